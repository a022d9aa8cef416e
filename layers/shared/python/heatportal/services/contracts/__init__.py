"""Contracts: a facility's contract and its versions, the annual cost
estimate and the options simulator, the offer, signing a new version."""
