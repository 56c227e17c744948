-- The operator's kill switch: a suspended app gets no tokens and its tokens stop working.
ALTER TABLE apps ADD COLUMN suspended_at BIGINT;
ALTER TABLE apps ADD COLUMN suspended_reason TEXT;
