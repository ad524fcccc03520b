"""The SQL conditions under which a session asks a card (``c``: the cards table), shared by every
query that counts or lists what is due, so that ``bank list``, ``stats`` and a session agree."""

NOT_SUSPENDED = "c.suspended_at IS NULL"  # a suspended card is never asked
EFFECTIVE_DUE = "MAX(c.due, COALESCE(c.buried_until, c.due))"  # a buried one not before its burial ends
NOT_BURIED_AT = "(c.buried_until IS NULL OR c.buried_until <= :now)"
