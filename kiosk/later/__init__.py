"""Rating later: a case's own link (receipt, SMS) and its lookup by 办件编号 plus a check, valid
until the case's rating deadline (5 working days), recorded with channel "later"."""
