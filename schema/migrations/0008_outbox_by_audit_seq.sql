-- 0008: the outbox finds a row's own unsettled edits through the audit log, not an index of its own.
-- 0007 indexed outbox(entity, entity_id) for sync's "which of my edits of this row are not settled
-- yet"; that was one more two-text-column b-tree insert for every recorded change (a roster import
-- of 100,000 people paid it 100,000 times). The audit log already indexes (entity, entity_id), and
-- each outbox row names its audit row: an index on audit_seq, which only ever grows, appends at
-- the right edge of its b-tree instead.
DROP INDEX outbox_entity;
CREATE INDEX outbox_audit_seq ON outbox(audit_seq);
