-- As repeat_offenders.sql, with each seller's listings read by a lateral index range scan.
WITH top AS (SELECT * FROM (SELECT * FROM (SELECT s.*, s.active_strikes AS n FROM seller s WHERE s.active_strikes >= 3 AND (s.strikes_recount_at IS NULL OR s.strikes_recount_at > {{NOW}}) ORDER BY s.active_strikes DESC, s.id LIMIT 100) a
  UNION ALL SELECT * FROM (SELECT * FROM (SELECT s.*, CASE WHEN s.strikes_recount_at <= {{NOW}} THEN (SELECT COUNT(*) FROM strike k WHERE k.seller_id = s.id AND k.voided = false AND k.expires_at > {{NOW}}) ELSE s.active_strikes END AS n FROM seller s WHERE s.active_strikes >= 3 AND s.strikes_recount_at <= {{NOW}}) c WHERE n >= 3 ORDER BY n DESC, id LIMIT 100) b) u ORDER BY n DESC, id LIMIT 100)
SELECT top.id, top.handle, top.status, top.n, l.id, l.title
FROM top LEFT JOIN LATERAL (SELECT * FROM listing l WHERE l.seller_id = top.id ORDER BY l.id LIMIT 5) l ON true
ORDER BY top.n DESC, top.id, l.id;
