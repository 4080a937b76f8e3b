/// The GB/T 2260 division codes a node accepts in what its officers enter: a mistyped code
/// (`999999`, `310199`) is refused with the nearest codes that exist. Only new input is checked
/// against it; a change from another node is folded whatever its codes, since another node's list
/// may be newer or older (divisions are merged and renamed every year) and every node must fold
/// the same changes alike.
public struct DivisionList: Sendable {
  /// Code -> name.
  public let names: [String: String]
  /// Where the list came from, as messages name it.
  public let source: String

  /// One code, a tab (or spaces) and its name per line; blank lines and `#` comments are skipped.
  public init(tsv: String, source: String) throws(CoreError) {
    var names: [String: String] = [:]
    for (index, raw) in tsv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingSpaces
      if line.isEmpty || line.hasPrefix("#") { continue }
      let code = String(line.prefix { $0.isASCII && $0.isNumber })
      let name = String(line.dropFirst(code.count)).trimmingSpaces
      guard (try? DivisionCode(code)) != nil, !name.isEmpty else {
        throw .invalidDivisionList(
          "\(source), line \(index + 1): write a six-digit code, a tab and its name, as in '310115<tab>浦东新区'")
      }
      names[code] = name
    }
    guard !names.isEmpty else { throw .invalidDivisionList("\(source) lists no division code") }
    self.names = names
    self.source = source
  }

  /// Refuses a code that is well formed but not in the list, naming codes that are.
  public func check(_ code: String) throws(CoreError) {
    let parsed = try DivisionCode(code)
    if names[parsed.rawValue] != nil { return }
    let sameCity = known(startingWith: String(code.prefix(4)))
    let nearby = sameCity.isEmpty ? known(startingWith: parsed.province) : sameCity
    let hint =
      nearby.isEmpty
      ? "no province has the code \(parsed.province) (北京 11, 上海 31, 广东 44, ...)"
      : "known codes there include " + nearby.prefix(3).map { "\($0) \(names[$0]!)" }.joined(separator: ", ")
    throw .invalidDivisionCode(code, reason: "it is not in the division list (\(source)); \(hint)")
  }

  /// Both of a subject's division codes.
  public func check(_ subject: SubjectRecord) throws(CoreError) {
    if let code = subject.registeredDivision { try check(code) }
    if let code = subject.businessDivision { try check(code) }
  }

  private func known(startingWith prefix: String) -> [String] {
    names.keys.filter {
      $0.hasPrefix(prefix) && $0 != prefix.padding(toLength: 6, withPad: "0", startingAt: 0)
    }
    .sorted()
  }
}
