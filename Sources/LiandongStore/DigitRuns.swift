import GRDBSQLite

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

  /// Registers the function on `connection`. A C function over the bytes SQLite holds: every
  /// subject an import or a sync writes passes through it, and GRDB's functions copy each text
  /// into a Swift string and box each argument and result.
  static func register(on connection: OpaquePointer?) {
    let code = sqlite3_create_function_v2(
      connection, functionName, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, runsAsJSON, nil, nil, nil)
    // Only a wrong name or argument count fails, or redefining it while a statement runs on the
    // connection: it is registered once, as each connection opens, so a test would see either.
    precondition(code == SQLITE_OK, "registering \(functionName) failed: \(code)")
  }

  private static let runsAsJSON:
    @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) ->
      Void = { context, _, arguments in
        guard let value = arguments?[0], let text = sqlite3_value_text(value) else {
          return sqlite3_result_null(context)
        }
        let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(value)))
        let runs = DigitRuns.runs(in: bytes)
        guard !runs.isEmpty else { return sqlite3_result_null(context) }
        // ["4242","1"]: digits need no escaping in JSON.
        var json: [UInt8] = [UInt8(ascii: "[")]
        for run in runs {
          if json.count > 1 { json.append(UInt8(ascii: ",")) }
          json.append(UInt8(ascii: "\""))
          json += bytes[run]
          json.append(UInt8(ascii: "\""))
        }
        json.append(UInt8(ascii: "]"))
        json.withUnsafeBufferPointer {
          sqlite3_result_text(
            context, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), Int32($0.count),
            unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self))
        }
      }

  /// Each maximal run of the digits 0-9 in `text`, once, in the order they first appear. Only
  /// ASCII digits: a full-width digit (４) is another character, as `LIKE` sees it.
  static func of(_ text: String) -> [String] {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { buffer in
      runs(in: buffer).map { String(decoding: buffer[$0], as: UTF8.self) }
    }
  }

  /// The ranges of `of`'s runs in UTF-8 bytes, where no byte of another character is a digit's.
  private static func runs(in bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    for run in maximalRuns(in: bytes) where !runs.contains(where: { bytes[$0].elementsEqual(bytes[run]) }) {
      runs.append(run)
    }
    return runs
  }

  /// Every maximal run of the bytes of 0-9 in `bytes`, in order, repeats included.
  private static func maximalRuns(in bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    var start: Int?
    for index in 0...bytes.count {
      let digit = index < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index])
      if digit, start == nil { start = index }
      guard !digit, let first = start else { continue }
      start = nil
      runs.append(first..<index)
    }
    return runs
  }

  /// What a name holding `needle` must hold in the index: a run of the needle's with another
  /// character on each side (`店4242号`) is one of the name's runs exactly; a run that ends the
  /// needle after another character (`店4242`) begins one of them. The longest such run, exact
  /// ones first; nil when the needle has none, or is shorter than three characters (the index of
  /// trigrams' vocabulary answers those).
  static func key(of needle: String) -> Key? {
    guard needle.unicodeScalars.count >= 3 else { return nil }
    return Array(needle.utf8).withUnsafeBufferPointer { bytes in
      maximalRuns(in: bytes).filter { $0.lowerBound > 0 }.map {
        Key(digits: String(decoding: bytes[$0], as: UTF8.self), exact: $0.upperBound < bytes.count)
      }.max { $1.isBetter(than: $0) }
    }
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
      exact != other.exact ? exact : digits.utf8.count > other.digits.utf8.count
    }
  }
}
