-- One statement for the whole dashboard: the brand's 100 newest notices, the first 20 items of
-- each, their listings and sellers, and each seller's active strikes.
WITH n AS (SELECT * FROM notice WHERE brand_id = {{BRAND}} ORDER BY submitted_at DESC, id DESC LIMIT 100),
i AS (SELECT * FROM (SELECT ni.*, ROW_NUMBER() OVER (PARTITION BY ni.notice_id ORDER BY ni.id) AS rn FROM notice_item ni WHERE ni.notice_id IN (SELECT id FROM n)) x WHERE rn <= 20)
SELECT n.id, n.status, n.submitted_at, i.id, i.status, l.id, l.title, s.id, s.handle, s.status,
  (SELECT COUNT(*) FROM strike k WHERE k.seller_id = s.id AND k.voided = false AND k.expires_at > {{NOW}})
FROM n LEFT JOIN i ON i.notice_id = n.id LEFT JOIN listing l ON l.id = i.listing_id LEFT JOIN seller s ON s.id = l.seller_id
ORDER BY n.submitted_at DESC, n.id DESC, i.id;
