"""In-memory fakes of the ports: one fake per port, named after it, each class
declared against its Protocol (so mypy checks it), and held to the DynamoDB
adapter's behaviour by the contract suite in tests/contract/ports.

| module        | fake                            | port(s)                                         | adapter                              |
|---------------|---------------------------------|-------------------------------------------------|--------------------------------------|
| clock         | FixedClock                      | ports.Clock                                     | adapters.clock.SystemClock           |
| customers     | InMemoryCustomerRepository      | ports.CustomerRepository                        | dynamo.DynamoRepository              |
| customers     | InMemoryMembershipRepository    | ports.MembershipRepository                      | dynamo.DynamoRepository              |
| readings      | InMemoryReadingRepository       | ports.ReadingRepository                         | dynamo.DynamoRepository              |
| readings      | InMemoryReadingHistoryStore     | reading_corrections.ReadingHistoryStore         | dynamo_readings.DynamoReadingsStore  |
| readings      | InMemoryConfirmationMarkers     | reading_confirmations.ConfirmationMarkers       | dynamo_readings.DynamoReadingsStore  |
| consumption   | InMemoryConsumptionRepository   | consumption.ConsumptionRepository, smart_meter_import.IntervalStore | dynamo_readings.DynamoReadingsStore |
| reminders     | InMemoryReminderStore           | sms.SmsAgreementStore, reminders.ReminderStore, reading_links.ReadingLinkStore | dynamo_readings.DynamoReadingsStore |
| invoices      | InMemoryInvoiceRepository       | ports.InvoiceRepository                         | dynamo.DynamoRepository              |
| invoices      | InMemoryInvoiceStatusWriter     | ports.InvoiceStatusWriter                       | dynamo.DynamoRepository              |
| invoices      | InMemoryCorrectionStore         | ports.CorrectionStore                           | dynamo_corrections.DynamoCorrectionStore |
| invoices      | InMemoryHoldStore               | ports.HoldRepository                            | dynamo_corrections.DynamoHoldStore   |
| invoices      | InMemoryBillingRunRepository    | ports.BillingRunRepository                      | dynamo_runs.DynamoBillingRuns        |
| invoices      | InMemoryBillingReader           | ports.BillingReader                             | dynamo_runs.DynamoBillingReader      |
| invoices      | InMemoryRunManifests            | ports.RunManifests                              | storage.S3RunManifests               |
| invoices      | RecordingRunStarter             | ports.RunStarter                                | stepfunctions.StepFunctionsRunStarter |
| delivery      | InMemoryDeliveryStore           | ports.DeliveryStore                             | dynamo_delivery.DynamoDeliveryStore  |
| delivery      | InMemoryDeliveryQueue           | ports.DeliveryQueue                             | queue.SqsDeliveryQueue               |
| payments      | InMemoryPaymentRepository       | payments.PaymentRepository, invoices.PaidAmounts | dynamo_billing.DynamoPaymentRepository |
| payments      | InMemoryAdvanceRepository       | advance.AdvanceRepository                       | dynamo_billing.DynamoAdvanceRepository |
| payments      | FixedYearlyCost                 | advance.YearlyCost                              | (the billing service)                |
| spot_prices   | InMemorySpotPriceStore          | spot_prices.SpotPriceStore, ports.SpotPriceRepository | dynamo_spot.DynamoSpotPriceStore |
| accounts      | InMemoryAccountStore            | accounts.AccountStore, ports.MembershipRepository | dynamo_accounts.DynamoAccountStore |
| ratelimit     | InMemoryRateLimitStore          | ratelimit.RateLimitStore                        | dynamo_accounts.DynamoRateLimitStore |
| name_index    | InMemoryNameIndex               | accounts.NameIndex                              | dynamo_names.DynamoNameIndex         |
| profile       | InMemoryProfileStore            | profile.ProfileStore                            | dynamo_accounts.DynamoProfileStore   |
| companies     | InMemoryCompanyDirectory        | access.CompanyDirectory                         | dynamo_companies.DynamoCompanyStore  |
| customer_records | InMemoryCustomerRecords      | access.CustomerRecords                          | dynamo_customer_record.DynamoCustomerRecords |
| meters        | InMemoryMeterSettingsStore      | meter_settings.MeterSettingsStore               | dynamo_meter_settings.DynamoMeterSettingsStore |
| meters        | InMemoryMeterLifecycleStore     | meter_lifecycle.MeterLifecycleStore             | dynamo_meter_lifecycle.DynamoMeterLifecycleStore |
| interruptions | InMemoryInterruptionRepository  | interruptions.InterruptionRepository            | interruptions.DynamoInterruptions    |
| documents     | InMemoryDocumentStore           | ports.DocumentStore                             | storage.S3DocumentStore              |
| messaging     | InMemoryMailer                  | ports.Mailer                                    | messaging.SesMailer                  |
| messaging     | InMemorySmsSender               | ports.SmsSender                                 | messaging.SnsSmsSender               |
| identity      | FakeIdentityAdmin               | accounts.IdentityAdmin                          | identity.CognitoIdentity             |
| pacer         | RecordingPacer                  | accounts.Pacer                                  | pacing.MinimumDuration               |
| sessions      | InMemorySignOutStore            | sessions.SignOutStore                           | signouts.DynamoSignOuts              |
| sms_starts    | InMemoryPendingStartStore       | sms_agreements.PendingStartStore                | dynamo_sms_starts.DynamoSmsStarts    |
| portfolio     | InMemoryPortfolioStore          | portfolio.ports.PortfolioStore, portfolio.ports.PortfolioSettingsStore | dynamo_portfolio.DynamoPortfolioStore |
| alerts        | InMemoryAlertStore              | alerts.ports.AlertSettingsStore, AlertEvaluationStore, NotificationStore, ConsumptionInfoStore | dynamo_alerts.DynamoAlertStore |
| alerts        | RecordingAlertPublisher         | alerts.ports.AlertPublisher                     | messaging.SnsAlertPublisher          |
| alerts        | InMemoryDeliveries              | alerts.ports.Deliveries                         | the delivery outbox                  |
| consumption   | InMemoryConsumptionRepository   | alerts.ports.MeterData                          | dynamo_readings.DynamoReadingsStore  |

``world.World`` wires the core fakes together; ``recorder.Recorder`` is a spy
for any of them; test data builders live in ``tests.builders``.
"""
