"""The property manager's portfolio: every facility a person may see across
the customers they are linked to or manage, named groups of them, the status
overview of the start page, analysis of a facility or a group (heating and
cooling), the return-temperature bonus/fee table, exports, the invoices of a
portfolio (split per facility for a partial grant) and the facilities'
operating protocols.

Access is decided once per request (``scope.PortfolioAccess``) from the
person's links and their companies' grants; the figures come from items
written when data arrive (``projection``), so a page over many facilities
costs a fixed number of reads (docs/data-model.md, "Portfolio")."""
