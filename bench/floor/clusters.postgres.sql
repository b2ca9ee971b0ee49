-- As clusters.sql, with each cluster's members read by a lateral index range scan.
WITH top AS (SELECT * FROM (SELECT * FROM (SELECT c.id, c.size, c.active_strikes AS strikes FROM seller_cluster c WHERE c.size >= 2 AND c.active_strikes >= 1 AND (c.strikes_recount_at IS NULL OR c.strikes_recount_at > {{NOW}}) ORDER BY c.active_strikes DESC, c.size DESC, c.id LIMIT 20) a
  UNION ALL SELECT * FROM (SELECT * FROM (SELECT c.id, c.size, (SELECT SUM(CASE WHEN s.strikes_recount_at <= {{NOW}} THEN (SELECT COUNT(*) FROM strike k WHERE k.seller_id = s.id AND k.voided = false AND k.expires_at > {{NOW}}) ELSE s.active_strikes END) FROM seller s WHERE s.cluster_id = c.id) AS strikes FROM seller_cluster c WHERE c.size >= 2 AND c.active_strikes >= 1 AND c.strikes_recount_at <= {{NOW}}) x WHERE strikes >= 1 ORDER BY strikes DESC, size DESC, id LIMIT 20) b) u ORDER BY strikes DESC, size DESC, id LIMIT 20)
SELECT top.id, top.size, top.strikes, m.id, m.handle
FROM top LEFT JOIN LATERAL (SELECT * FROM seller s WHERE s.cluster_id = top.id ORDER BY s.id LIMIT 10) m ON true
ORDER BY top.strikes DESC, top.size DESC, top.id, m.id;
