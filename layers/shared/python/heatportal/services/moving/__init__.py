"""Moving out and in: ending a contract with its final reading and final
invoice, the incoming party's confirmation, a new contract on a facility, a
new customer with its welcome e-mail."""
