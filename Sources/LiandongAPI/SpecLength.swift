import LiandongCore

/// The spec's `maxLength`s, enforced as JSON Schema counts them: in code points. The generated
/// server does not check lengths, and the domain counts characters as a person sees them (a
/// letter with combining marks is one), so without this a schema-invalid request could pass.
enum SpecLength {
  /// Each named value, if present, is at most its limit in code points.
  static func check(_ fields: [(name: String, value: String?, limit: Int)]) throws {
    for field in fields {
      guard let value = field.value else { continue }
      let count = value.unicodeScalars.count
      if count > field.limit {
        throw CoreError.tooLong(field: field.name, characters: count, limit: field.limit)
      }
    }
  }
}
