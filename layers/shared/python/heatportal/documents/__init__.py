"""Documents sent to customers: invoice PDFs (reportlab) and emails (Jinja2).

Import the submodules directly (``heatportal.documents.invoice_pdf``,
``heatportal.documents.emails``). This package imports nothing heavy: only
the billing function renders PDFs, so reportlab is imported inside
``render_invoice_pdf`` and never at a cold start elsewhere.
"""
