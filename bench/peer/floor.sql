-- The SQL floor of bench/peer/run: the dashboard's rows in one hand-written statement, run by
-- pgbench (-D brand=ROW_ID) or psql (-v brand=ROW_ID). The brand's name, its 100 newest notices
-- (submitted_at, then id, descending), the first 20 items of each by id (a lateral index range
-- scan), and each item's listing and seller.
SELECT b.name, n.id, n.status, n.submitted_at, i.id, i.status, l.id, l.title,
  s.id, s.handle, s.active_strikes, s.status
FROM brand b
CROSS JOIN LATERAL (
  SELECT id, status, submitted_at FROM notice
  WHERE brand_id = b.id ORDER BY submitted_at DESC, id DESC LIMIT 100) n
LEFT JOIN LATERAL (
  SELECT id, status, listing_id FROM notice_item
  WHERE notice_id = n.id ORDER BY id LIMIT 20) i ON true
LEFT JOIN listing l ON l.id = i.listing_id
LEFT JOIN seller s ON s.id = l.seller_id
WHERE b.id = :brand
ORDER BY n.submitted_at DESC, n.id DESC, i.id;
