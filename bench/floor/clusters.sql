-- The 20 clusters with most active strikes: the exact kept totals read in order from their index
-- as far as the page goes, the stale ones recounted from the members; each with its first 10
-- members (read by a subquery correlated to the cluster).
WITH top AS (SELECT * FROM (SELECT * FROM (SELECT c.id, c.size, c.active_strikes AS strikes FROM seller_cluster c WHERE c.size >= 2 AND c.active_strikes >= 1 AND (c.strikes_recount_at IS NULL OR c.strikes_recount_at > {{NOW}}) ORDER BY c.active_strikes DESC, c.size DESC, c.id LIMIT 20) a
  UNION ALL SELECT * FROM (SELECT * FROM (SELECT c.id, c.size, (SELECT SUM(CASE WHEN s.strikes_recount_at <= {{NOW}} THEN (SELECT COUNT(*) FROM strike k WHERE k.seller_id = s.id AND k.voided = false AND k.expires_at > {{NOW}}) ELSE s.active_strikes END) FROM seller s WHERE s.cluster_id = c.id) AS strikes FROM seller_cluster c WHERE c.size >= 2 AND c.active_strikes >= 1 AND c.strikes_recount_at <= {{NOW}}) x WHERE strikes >= 1 ORDER BY strikes DESC, size DESC, id LIMIT 20) b) u ORDER BY strikes DESC, size DESC, id LIMIT 20)
SELECT top.id, top.size, top.strikes, m.id, m.handle
FROM top LEFT JOIN seller m ON m.id IN (SELECT x.id FROM seller x WHERE x.cluster_id = top.id ORDER BY x.id LIMIT 10)
ORDER BY top.strikes DESC, top.size DESC, top.id, m.id;
