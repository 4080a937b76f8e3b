import LiandongCore
import LiandongErrors

/// What one act wrote: the signed change and the objects its operations touched. An act the
/// rules refused is reported by `ActRefused` instead, so a caller that gets a result knows it
/// took effect.
public struct ActResult<View: Sendable>: Sendable {
  public let change: SignedChange
  public let touched: [ObjectID]
  /// The object as it stands after the act, for printing or a JSON response.
  public let view: View
  /// What the person should know that is not an error (e.g. nobody can settle a dispute yet).
  public private(set) var notices: [String] = []

  init(change: SignedChange, touched: [ObjectID], view: View) {
    self.change = change
    self.touched = touched
    self.view = view
  }

  func adding(_ more: [String]) -> Self {
    var copy = self
    copy.notices += more
    return copy
  }
}

/// The rules refused an act, so nothing was signed and nothing changed. Its code is the
/// refusal's (`op.not-owner`, `op.wrong-state`, ...): the same whether this node's use case or a
/// peer's reducer noticed.
public struct ActRefused: CodedError, Sendable {
  public let act: String
  public let refusal: OperationRefusal

  public var code: String { refusal.code }
  public var description: String { "\(act) was refused, and nothing was recorded: \(refusal.reason)" }
}
