"""The programme's records: the signatory register, its checks and changes, the calendar, the audit trail."""
