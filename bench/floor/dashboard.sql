-- One statement for the whole dashboard: the brand's 100 newest notices, the first 20 items of
-- each (read by a subquery correlated to the notice, then by id), their listings and sellers, and
-- each seller's active strikes.
WITH n AS (SELECT * FROM notice WHERE brand_id = {{BRAND}} ORDER BY submitted_at DESC, id DESC LIMIT 100)
SELECT n.id, n.status, n.submitted_at, i.id, i.status, l.id, l.title, s.id, s.handle, s.status,
  (SELECT COUNT(*) FROM strike k WHERE k.seller_id = s.id AND k.voided = false AND k.expires_at > {{NOW}})
FROM n LEFT JOIN notice_item i ON i.id IN (SELECT ni.id FROM notice_item ni WHERE ni.notice_id = n.id ORDER BY ni.id LIMIT 20)
LEFT JOIN listing l ON l.id = i.listing_id LEFT JOIN seller s ON s.id = l.seller_id
ORDER BY n.submitted_at DESC, n.id DESC, i.id;
