import LiandongCore
import LiandongErrors

/// What one act wrote: the signed change, the objects its operations touched, and the refusals
/// of that change alone (not every refusal the node holds). An act whose operations were all
/// refused is reported by `ActRefused` instead, so a caller that gets a result knows it took effect.
public struct ActResult<View: Sendable>: Sendable {
  public let change: SignedChange
  public let touched: [ObjectID]
  /// Operations of this change the reducers refused; empty for every act that returns.
  public let refusals: [OperationRefusal]
  /// The object as it stands after the act, for printing or a JSON response.
  public let view: View
  /// What the person should know that is not an error (e.g. nobody can settle a dispute yet).
  public private(set) var notices: [String] = []

  init(change: SignedChange, touched: [ObjectID], refusals: [OperationRefusal], view: View) {
    self.change = change
    self.touched = touched
    self.refusals = refusals
    self.view = view
  }

  func adding(_ more: [String]) -> Self {
    var copy = self
    copy.notices += more
    return copy
  }
}

/// An act was signed and kept in the log (every node will see it was attempted), but the rules
/// refused it, so it changed nothing. Its code is the refusal's (`op.not-owner`, `op.wrong-state`,
/// ...): the same whether this node's use case or a peer's reducer noticed.
public struct ActRefused: CodedError, Sendable {
  public let act: String
  public let refusal: OperationRefusal

  public var code: String { refusal.code }
  public var description: String { "\(act) was recorded but has no effect: \(refusal.reason)" }
}
