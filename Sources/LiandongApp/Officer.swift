/// The person an act is recorded for. Today the command line names them (`--officer`,
/// `$LIANDONG_OFFICER`, the login name); the HTTP API will name the authenticated account. Every
/// change a use case signs carries this ID.
public struct Officer: Sendable, Equatable, CustomStringConvertible {
  public let id: String

  public init(_ id: String) { self.id = id }

  public var description: String { id }
}
