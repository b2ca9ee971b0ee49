// PostGraphile 5's configuration in bench/peer/run: the amber preset (version 5's defaults: a
// table's `id` column is `rowId`, the global id is `id`; ordering only by indexed columns, like
// version 4's --no-ignore-indexes), no GraphiQL, and no query explanations. The connection, the
// schema, the host and the port are given on the command line.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

/** @type {GraphileConfig.Preset} */
export default {
  extends: [PostGraphileAmberPreset],
  grafserv: { graphiql: false, graphqlOverGET: false },
  grafast: { explain: false },
};
