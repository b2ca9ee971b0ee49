-- The 100 sellers with most active strikes (at least 3), from the counts kept on the seller rows:
-- the exact ones read in order from their index as far as the page goes, the stale ones
-- recounted; with each one's first 5 listings (read by a subquery correlated to the seller, then
-- by id).
WITH top AS (SELECT * FROM (SELECT * FROM (SELECT s.*, s.active_strikes AS n FROM seller s WHERE s.active_strikes >= 3 AND (s.strikes_recount_at IS NULL OR s.strikes_recount_at > {{NOW}}) ORDER BY s.active_strikes DESC, s.id LIMIT 100) a
  UNION ALL SELECT * FROM (SELECT * FROM (SELECT s.*, CASE WHEN s.strikes_recount_at <= {{NOW}} THEN (SELECT COUNT(*) FROM strike k WHERE k.seller_id = s.id AND k.voided = false AND k.expires_at > {{NOW}}) ELSE s.active_strikes END AS n FROM seller s WHERE s.active_strikes >= 3 AND s.strikes_recount_at <= {{NOW}}) c WHERE n >= 3 ORDER BY n DESC, id LIMIT 100) b) u ORDER BY n DESC, id LIMIT 100)
SELECT top.id, top.handle, top.status, top.n, l.id, l.title
FROM top LEFT JOIN listing l ON l.id IN (SELECT x.id FROM listing x WHERE x.seller_id = top.id ORDER BY x.id LIMIT 5)
ORDER BY top.n DESC, top.id, l.id;
