"""Deterministic demo data for a utility profile.

``generate(load_profile("no"), today=date(2026, 3, 1))`` returns customers,
facilities, meters, two years of daily consumption driven by a realistic
temperature series, monthly readings, NO1 spot prices, demo logins and monthly
advances. Pure: no I/O, no clock, no environment; the same arguments always
give the same data. The loader stores it (hashing the PINs) and prints
``users`` with ``DEMO_PASSWORD``.
"""

from infra.local.demo.generator import DEMO_PASSWORD, DemoDataset, DemoUser, PortfolioDemo, PortfolioGrant, generate

__all__ = ["DEMO_PASSWORD", "DemoDataset", "DemoUser", "PortfolioDemo", "PortfolioGrant", "generate"]
