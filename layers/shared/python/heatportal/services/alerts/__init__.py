"""Alerts and notifications: a facility's alert settings (``settings``), the
daily evaluation over the stored interval data (``evaluation``), the
deliveries of what it tells by e-mail and SMS (``delivery``), the portal's
notifications list (``inbox``) and the monthly consumption information
(``consumption_info``). Their ports are in ``ports``."""
