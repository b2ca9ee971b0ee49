-- The sellers within 3 hops (at most 500), each with its row, its identifiers (the links follow
-- from them) and its active strikes, in one statement.
WITH RECURSIVE reach(id, hops) AS (
  SELECT CAST({{SELLER}} AS BIGINT), 0
  UNION
  SELECT b.seller_id, r.hops + 1 FROM reach r JOIN seller_identifier a ON a.seller_id = r.id
  JOIN seller_identifier b ON b.kind = a.kind AND b.value = a.value WHERE r.hops < 3),
m AS (SELECT id, MIN(hops) AS hops FROM reach GROUP BY id ORDER BY MIN(hops), id LIMIT 500)
SELECT m.id, m.hops, s.handle, si.kind, si.value,
  (SELECT COUNT(*) FROM strike k WHERE k.seller_id = m.id AND k.voided = false AND k.expires_at > {{NOW}})
FROM m JOIN seller s ON s.id = m.id LEFT JOIN seller_identifier si ON si.seller_id = m.id;
