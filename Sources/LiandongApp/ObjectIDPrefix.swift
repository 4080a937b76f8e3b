import LiandongCore
import LiandongErrors
import LiandongStore

extension NodeApp {
  /// An object ID as a person gives it: the whole UUID, or its first characters (at least 8 hex
  /// digits, dashes optional), as Git takes a commit's. A prefix that names no object this node
  /// holds is `object.not-found`; one that names several lists them.
  public func objectID(_ text: String) throws -> ObjectID {
    if let whole = try? ObjectID(text) { return whole }
    let hex = text.trimmingSpaces.lowercased().replacingOccurrences(of: "-", with: "")
    guard hex.count >= 8, hex.count < 32, hex.allSatisfy(\.isHexDigit) else { return try ObjectID(text) }
    let found = try store.objectIDs(startingWith: hex, limit: 11)
    switch found.count {
    case 0: throw StoreError.notFound(kind: "object", id: "\(text)…")
    case 1: return found[0]
    default:
      throw UsageError(
        code: "input.ambiguous-id",
        message:
          "'\(text)' starts the IDs of \(found.count > 10 ? "more than 10" : "\(found.count)") objects: "
          + found.prefix(10).map(\.description).joined(separator: ", ") + "; give more of the ID")
    }
  }
}
