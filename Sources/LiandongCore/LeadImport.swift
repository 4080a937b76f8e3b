import Foundation
import LiandongCrypto

/// The bulk path for platform-monitoring teams: a CSV file of leads (RFC 4180: commas, quotes
/// doubled inside quoted cells, CRLF or LF), one lead and its subject per row. The header names
/// the columns, in any order; `subject_name`, `violations` and `summary` are required. A row with
/// a bad value is reported with its line number and reason and not imported; the others are.
public enum LeadImport {
  public static let columns: [(name: String, meaning: String)] = [
    ("subject_name", "the subject's name (required)"),
    (
      "subject_kind",
      "enterprise (default), individual-business, natural-person, platform, shop, laboratory, product"
    ),
    ("subject_uscc", "unified social credit code, 18 characters, check character verified"),
    ("subject_division", "GB/T 2260 code where the subject is registered"),
    ("subject_business_division", "GB/T 2260 code where it does business"),
    ("platform", "for a shop: the platform"),
    ("shop_id", "for a shop: its ID on the platform"),
    ("url", "the shop's or site's address"),
    ("violations", "canonical violation names separated by ';' (required)"),
    ("summary", "what was found (required)"),
    ("source", "online-monitoring (default), complaint, report, inspection, transfer, assigned"),
    ("risk", "serious, high, medium (default), low"),
    ("product_category", "free text"),
    ("source_reliability", "A, B, C or X (default)"),
    ("info_reliability", "1 to 4 (default 4)"),
  ]

  /// One valid row: the subject and the lead's fields, with their IDs.
  public struct Row: Sendable {
    public var line: Int
    public var subjectID: ObjectID
    public var subject: SubjectRecord
    public var leadID: ObjectID
    public var fields: LeadFields
  }

  public struct RowError: Sendable, Codable, Equatable {
    public var line: Int
    public var reason: String
  }

  /// Parses and validates the whole file. IDs are derived from `seed` (the importing node) and
  /// the row's content (`contentKey`), so importing the same rows again, from the same file or
  /// from one saved with a BOM, other line endings, other spacing, in another encoding or
  /// order or with rows added, finds the leads already recorded and records nothing twice.
  public static func parse(_ text: String, seed: Data) throws -> (rows: [Row], errors: [RowError]) {
    let sheet = try Sheet(text, seed: seed)
    return sheet.check(0..<sheet.count)
  }

  /// A file's records under a valid header, not checked yet: a writer checks them a stretch at
  /// a time (`check`), so that it can write the first stretch while the next is checked.
  public struct Sheet: Sendable {
    private let header: [String]
    private let records: [CSV.Record]
    private let seed: Data
    /// When given, every row's division codes must be in it (`DivisionList`).
    private let divisions: DivisionList?

    /// Reads the records and checks the header: every column known, the required ones present.
    public init(_ text: String, seed: Data, divisions: DivisionList? = nil) throws {
      // Excel writes a byte order mark before the header; it is not part of the first name.
      let all = try CSV.records(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
      guard let first = all.first else { throw CoreError.missingField("a header row naming the columns") }
      let header = first.fields.map { $0.trimmingSpaces.lowercased() }
      let known = Set(columns.map(\.name))
      if let unknown = header.first(where: { !known.contains($0) }) {
        throw CoreError.invalidValue(field: "CSV column", value: unknown, allowed: columns.map(\.name))
      }
      var seen = Set<String>()
      if let twice = header.first(where: { !seen.insert($0).inserted }) {
        throw CoreError.duplicateColumn(twice)
      }
      for required in ["subject_name", "violations", "summary"] where !header.contains(required) {
        throw CoreError.missingField("the column \(required)")
      }
      self.header = header
      self.records = Array(all.dropFirst())
      self.seed = seed
      self.divisions = divisions
    }

    /// Records below the header, blank ones included.
    public var count: Int { records.count }

    /// The valid rows among `records` (positions below the header, not line numbers), and the
    /// refused ones, in the file's order; blank records are neither.
    public func check(_ positions: Range<Int>) -> (rows: [Row], errors: [RowError]) {
      var rows: [Row] = []
      var errors: [RowError] = []
      for record in records[positions] {
        switch LeadImport.check(record, header: header, seed: seed, divisions: divisions) {
        case .row(let row): rows.append(row)
        case .refused(let error): errors.append(error)
        case .blank: continue
        }
      }
      return (rows, errors)
    }
  }

  private enum Checked {
    case row(Row)
    case refused(RowError)
    case blank
  }

  private static func check(_ record: CSV.Record, header: [String], seed: Data, divisions: DivisionList?)
    -> Checked
  {
    if record.fields.allSatisfy({ $0.isBlank }) { return .blank }
    guard record.fields.count == header.count else {
      return .refused(
        RowError(
          line: record.line, reason: "\(record.fields.count) cells, but the header names \(header.count)"))
    }
    var cells: [String: String] = [:]
    for (name, value) in zip(header, record.fields) {
      let trimmed = value.trimmingSpaces
      if !trimmed.isEmpty { cells[name] = trimmed }
    }
    do {
      let checked = try row(cells, line: record.line, seed: seed)
      try divisions?.check(checked.subject)
      return .row(checked)
    } catch {
      return .refused(RowError(line: record.line, reason: "\(error)"))
    }
  }

  static func row(_ cells: [String: String], line: Int, seed: Data) throws -> Row {
    let subject = SubjectRecord(
      kind: try SubjectKind(canonical: cells["subject_kind"] ?? SubjectKind.enterprise.rawValue),
      name: cells["subject_name"] ?? "", uscc: cells["subject_uscc"],
      registeredDivision: cells["subject_division"],
      businessDivision: cells["subject_business_division"], platform: cells["platform"],
      shopID: cells["shop_id"],
      url: cells["url"])
    try subject.validate()
    let violations = try (cells["violations"] ?? "").split(separator: ";").map {
      try Violation(canonical: $0.trimmingSpaces)
    }
    var information = 4
    if let text = cells["info_reliability"] {
      guard let value = Int(text) else {
        throw CoreError.invalidValue(field: "info_reliability", value: text, allowed: ["1", "2", "3", "4"])
      }
      information = value
    }
    let key = contentKey(cells)
    let subjectID = derivedID(seed, key, "subject")
    let fields = LeadFields(
      source: try LeadSource(canonical: cells["source"] ?? LeadSource.onlineMonitoring.rawValue),
      violations: violations, subjectIDs: [subjectID], productCategory: cells["product_category"] ?? "",
      summary: cells["summary"] ?? "",
      risk: try RiskLevel(canonical: cells["risk"] ?? RiskLevel.medium.rawValue),
      sourceReliability: try SourceReliability(canonical: (cells["source_reliability"] ?? "X").uppercased()),
      informationReliability: information)
    try fields.validate()
    return Row(
      line: line, subjectID: subjectID, subject: subject, leadID: derivedID(seed, key, "lead"),
      fields: fields)
  }

  /// A row as its meaning, not its bytes: the non-empty cells by column name (so column order
  /// does not matter), each with runs of whitespace, line endings included, made one space.
  static func contentKey(_ cells: [String: String]) -> String {
    cells.sorted { $0.key < $1.key }.map { name, value in
      let spaced =
        hasSpacingToFold(value) ? value.split(whereSeparator: \.isWhitespace).joined(separator: " ") : value
      return name + "=" + spaced
    }.joined(separator: "\u{1F}")
  }

  /// Whether `value` holds whitespace other than single spaces: `unicodeScalars.contains {
  /// $0.properties.isWhitespace && $0 != " " } || value.contains("  ")`, the rule IDs were first
  /// derived by, so a file imported again derives the same IDs. Asked of every cell of every
  /// row, and that expression was a third of preparing an import (a Unicode property look-up
  /// per scalar, a Foundation search per cell), so it is read here from the bytes: Foundation
  /// searches only a cell holding two spaces side by side.
  static func hasSpacingToFold(_ value: String) -> Bool {
    var afterSpace = false
    var other = false
    for byte in value.utf8 {
      switch byte {
      case 0x20:
        if afterSpace { return value.contains("  ") }
        afterSpace = true
        continue
      case 0x09...0x0D: return true
      case 0x80...: other = true
      default: break
      }
      afterSpace = false
    }
    return other
      && value.unicodeScalars.contains {
        $0.value >= 0x80 && mayBeWhitespace($0) && $0.properties.isWhitespace
      }
  }

  /// False for every scalar outside the few blocks that hold Unicode's non-ASCII whitespace
  /// (U+0085, U+00A0, U+1680, U+2000-U+205F, U+3000), so that a Chinese text asks no property;
  /// `LeadImportTests` checks every scalar against `properties.isWhitespace`.
  static func mayBeWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x85, 0xA0, 0x1680, 0x2000...0x205F, 0x3000: true
    default: false
    }
  }

  /// A UUID (version 8, RFC 9562) from the SHA-256 of the seed, the row's content key and the role.
  static func derivedID(_ seed: Data, _ key: String, _ role: String) -> ObjectID {
    var bytes = Array(SHA256.hash(seed + Data("\(role)\u{1E}\(key)".utf8)).prefix(16))
    bytes[6] = (bytes[6] & 0x0F) | 0x80
    bytes[8] = (bytes[8] & 0x3F) | 0x80
    return ObjectID(bytes: Data(bytes))!
  }

  /// Groups rows into the operations of changes of at most `leadsPerChange` leads (two
  /// operations each) and about `maximumBytes` of text, so no change grows without bound.
  public static func changes(_ rows: [Row], leadsPerChange: Int, maximumBytes: Int = 512 * 1024)
    -> [[DomainOperation]]
  {
    var changes: [[DomainOperation]] = []
    var current: [DomainOperation] = []
    var bytes = 0
    for row in rows {
      let size =
        256 + row.fields.summary.utf8.count + row.subject.name.utf8.count + (row.subject.url?.utf8.count ?? 0)
      if !current.isEmpty && (current.count / 2 >= leadsPerChange || bytes + size > maximumBytes) {
        changes.append(current)
        current = []
        bytes = 0
      }
      current.append(DomainOperation(objectID: row.subjectID, action: .createSubject(row.subject)))
      current.append(DomainOperation(objectID: row.leadID, action: .createLead(row.fields)))
      bytes += size
    }
    if !current.isEmpty { changes.append(current) }
    return changes
  }

  /// Leads written per transaction: each transaction writes every index page it touched to the
  /// log once, and new leads' random IDs touch pages all over the tables, so a transaction per
  /// 500-lead change rewrote the same pages again and again. Bounded, because the transaction
  /// keeps what it folds in memory until it commits. 20,000 rather than 10,000 took a ninth off
  /// a 200,000-lead import for 30 MiB more at its peak; 50,000 was slower again, its first
  /// stretch waited for longer (BENCHMARKS.md, B2).
  public static let leadsPerTransaction = 20_000

  /// Whole changes (from `changes(_:leadsPerChange:)`) grouped into transactions of at most
  /// `leadsPerTransaction` leads, or one change where a change alone holds more: each change is
  /// still written whole or not at all.
  public static func transactions(_ changes: [[DomainOperation]]) -> [[[DomainOperation]]] {
    var groups: [[[DomainOperation]]] = []
    var current: [[DomainOperation]] = []
    var leads = 0
    for change in changes {
      if !current.isEmpty && leads + change.count / 2 > leadsPerTransaction {
        groups.append(current)
        current = []
        leads = 0
      }
      current.append(change)
      leads += change.count / 2
    }
    if !current.isEmpty { groups.append(current) }
    return groups
  }
}

/// RFC 4180 records with the line each starts on. Parsed over UTF-8 bytes: the four bytes that
/// structure a file (quote, comma, CR, LF) never occur inside a multi-byte character, and walking
/// `Character`s, which clusters graphemes, was a fifth of a bulk import.
enum CSV {
  struct Record {
    var line: Int
    var fields: [String]
  }

  private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r")
  private static let lf = UInt8(ascii: "\n")

  static func records(_ text: String) throws -> [Record] {
    var text = text
    return try text.withUTF8 { try records(bytes: $0) }
  }

  private static func records(bytes: UnsafeBufferPointer<UInt8>) throws -> [Record] {
    var records: [Record] = []
    var fields: [String] = []
    var field: [UInt8] = []
    var quoted = false
    var line = 1
    var start = 1
    var afterQuote = false
    var position = 0
    func endField() {
      fields.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
      afterQuote = false
    }
    while position < bytes.count {
      let byte = bytes[position]
      position += 1
      if quoted {
        if byte == quote {
          if position < bytes.count && bytes[position] == quote {
            field.append(quote)
            position += 1
          } else {
            quoted = false
            afterQuote = position < bytes.count
          }
        } else {
          if byte == lf { line += 1 }
          field.append(byte)
        }
        continue
      }
      switch byte {
      case quote where field.isEmpty && !afterQuote:
        quoted = true
      case comma:
        endField()
      case lf, cr:
        if byte == cr && position < bytes.count && bytes[position] == lf { position += 1 }
        endField()
        records.append(Record(line: start, fields: fields))
        fields = []
        line += 1
        start = line
      default:
        if afterQuote {
          let character = String(
            decoding: bytes[(position - 1)..<min(position + 15, bytes.count)], as: UTF8.self)
          throw CoreError.invalidValue(
            field: "CSV on line \(line)", value: character.first.map(String.init) ?? "",
            allowed: ["a comma or line end after a closing quote"])
        }
        field.append(byte)
      }
    }
    if quoted { throw CoreError.missingField("the closing quote of the cell that starts on line \(start)") }
    if !field.isEmpty || !fields.isEmpty {
      endField()
      records.append(Record(line: start, fields: fields))
    }
    return records
  }
}
