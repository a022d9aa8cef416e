"""Accounts: who may get an account for a customer and what they may do there.

Cognito holds the passwords; these services decide *whether* a person may get
an account for a customer and which role they hold. Every public route here
answers the same way whether or not a customer, an e-mail or a user exists,
and every guessable secret (PIN, postcode, name, code, password) is behind a
rate limit.

| module | use cases |
| --- | --- |
| ``registration`` | register by proving the customer relationship (PIN, postcode or name) |
| ``credentials`` | sign-in (also by customer number), password change and reset, e-mail change |
| ``links`` | link another customer number to one's account, remove one's own link |
| ``proof`` | the proof of a customer relationship (PIN, postcode or name) registration and links share |
| ``users`` | a customer's users: roles, invitations, removal, the audit trail |
| ``forgotten_number`` | the customer number and a new PIN to the contact data on record |
| ``search`` | customer service finds a customer by number, e-mail, meter or name |
| ``codes`` | one-time codes: made, mailed, checked |
| ``joining`` | a person joins a customer (after registering or accepting an invitation) |
| ``common`` | the ports and rules the use cases share |
"""
