import Foundation

/// The pairs of neighbouring characters that schema v12 wrote into a hub's rows (two code points
/// side by side, 21 bits each, in a `bigint[]` column under a GIN index), made on the server from
/// the rows it already held. v15 replaced them with `SearchKeys`; kept as v12 wrote them.
enum SearchPairs {
  /// The pairs of `column` (or any expression of a row's text), folded as a search folds it.
  /// `ascii` gives a character's code point in a UTF-8 database.
  static func sql(_ column: String) -> String {
    """
    ARRAY(SELECT DISTINCT (ascii(substr(folded.text, i, 1))::bigint << 21) | ascii(substr(folded.text, i + 1, 1))
      FROM (SELECT \(PostgresSchema.searchable(column)) AS text) AS folded,
        generate_series(1, length(folded.text) - 1) AS i ORDER BY 1)
    """
  }
}
