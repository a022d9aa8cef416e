"""Open data: a customer's own data through the data API (``/api/v1/data``),
read with a personal access token or a provider share (domain.open_data).

| module | use cases |
| --- | --- |
| ``common`` | the store port, the refusals every module shares |
| ``tokens`` | a person creates, lists and revokes personal access tokens |
| ``shares`` | a customer's administrator grants and revokes provider shares (FFVAV §5(4)) |
| ``credentials`` | a presented token checked: known, not revoked, not expired, within its rate |
| ``scopes`` | what a credential may read of a customer: the portal's access, narrowed |
| ``series`` | meters, interval consumption, register readings and invoices as the API serves them |
| ``home_assistant`` | a meter's register as Home Assistant's RESTful sensor reads it, and its configuration |
"""
