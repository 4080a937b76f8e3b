import GRDB

/// The runs of ASCII digits in subjects' names, indexed beside the names' trigrams
/// (`p_subject_digits`, `Schema.subjectDigits`). Shops of one chain or one platform are numbered
/// (检测服务店4242号), so every trigram of such a name, digits included, is held by the same share
/// of names at any size, and a trigram query for one of them walks lists that grow with the store;
/// the name's run of digits is held by one name or a few, found by a B-tree.
enum DigitRuns {
  /// The SQL function, registered on every connection of the store, that gives a text's runs
  /// (`of`) as a JSON array for `json_each`, or NULL where it has none: the settlement indexes
  /// names in sets, in SQL, as it does their trigrams.
  static let functionName = "liandong_digit_runs"

  static let function = DatabaseFunction(functionName, argumentCount: 1, pure: true) { values in
    guard let text = String.fromDatabaseValue(values[0]) else { return nil }
    let runs = of(text)
    guard !runs.isEmpty else { return nil }
    // Digits need no escaping in JSON.
    return "[" + runs.map { "\"\($0)\"" }.joined(separator: ",") + "]"
  }

  /// Each maximal run of the digits 0-9 in `text`, once, in the order they first appear. Only
  /// ASCII digits: a full-width digit (４) is another character, as `LIKE` sees it.
  static func of(_ text: String) -> [String] {
    var runs: [String] = [], seen: Set<String> = []
    var run = String.UnicodeScalarView()
    for scalar in text.unicodeScalars + [" "] {
      if isDigit(scalar) {
        run.append(scalar)
      } else if !run.isEmpty {
        let found = String(run)
        if seen.insert(found).inserted { runs.append(found) }
        run = String.UnicodeScalarView()
      }
    }
    return runs
  }

  /// What a name holding `needle` must hold in the index: a run of the needle's with another
  /// character on each side (`店4242号`) is one of the name's runs exactly; a run that ends the
  /// needle after another character (`店4242`) begins one of them. The longest such run, exact
  /// ones first; nil when the needle has none, or is shorter than three characters (the index of
  /// trigrams' vocabulary answers those).
  static func key(of needle: String) -> Key? {
    let scalars = Array(needle.unicodeScalars)
    guard scalars.count >= 3 else { return nil }
    var best: Key?
    var start: Int?
    for index in 0...scalars.count {
      let digit = index < scalars.count && isDigit(scalars[index])
      if digit, start == nil { start = index }
      guard !digit, let first = start else { continue }
      start = nil
      guard first > 0 else { continue }
      let candidate = Key(
        digits: String(String.UnicodeScalarView(scalars[first..<index])), exact: index < scalars.count)
      if best.map({ candidate.isBetter(than: $0) }) ?? true { best = candidate }
    }
    return best
  }

  /// A run the index is asked for, and whether a name's run must be it (else begin with it).
  struct Key: Equatable {
    var digits: String
    var exact: Bool

    /// The index's entries a name holding the needle must have one of: the run itself, or
    /// every run from it up to, not including, the run followed by ':' (the character after 9).
    var condition: (sql: String, arguments: [String]) {
      exact
        ? ("p_subject_digits.digits = ?", [digits])
        : ("p_subject_digits.digits >= ? AND p_subject_digits.digits < ?", [digits, digits + ":"])
    }

    fileprivate func isBetter(than other: Key) -> Bool {
      exact != other.exact ? exact : digits.unicodeScalars.count > other.digits.unicodeScalars.count
    }
  }

  private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
}
