"""Management companies: an organisation, identified by its organisation
number, whose administrators and managers see exactly what customers grant it.

A customer's administrator invites a company by its organisation number and
grants it selected facilities (or all) with a role, read only or full access.
The company accepts: an administrator of a registered company accepts in the
portal; the contact person of a company that is not registered yet accepts
with the code from the e-mail, registers the company and becomes its first
administrator. A company's administrator can also register a customer it
manages by customer number + the customer's organisation number (proof like
a PIN, behind the same rate limits); the customer's administrators are told
by e-mail and can revoke it. A company's administrators invite managers and
other administrators; the last administrator cannot leave.

Every change is written with its audit entry in one transaction under an
optimistic version check, on the customer's trail (who granted what to whom)
or the company's.

| module | use cases |
| --- | --- |
| ``organisations`` | register a company, its members and their customers, verification by customer service |
| ``grants`` | what customers grant companies, from both sides |
| ``signup`` | a company signs up without being a customer; invitations accepted by code |
| ``common`` | the ports, the views and the helpers the three share |
"""
