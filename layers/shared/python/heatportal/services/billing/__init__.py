"""Billing, in four parts with one job each:

- ``pricing``: what a customer's meters cost in a period (the bill, the trial
  settlement and the forecast all price here);
- ``drafts``: what an invoice says (consumption, advance, yearly settlement,
  credit note);
- ``issuing``: an invoice numbered and stored once, its PDF stored once, its
  email sent once;
- ``run``: the monthly bill run (plan, batches, failures, summary) and which
  bill an account gets; ``corrections``: a credit note and the corrected
  invoice in one action, by customer service or for a late reading;
  ``guards``: what may be billed (period ended, no zero bills, compliance);
  ``comparison``: the bill's weather-corrected and average-customer comparisons.
"""
