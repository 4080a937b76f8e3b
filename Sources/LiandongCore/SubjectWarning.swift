import Foundation

/// Early warning across a visibility gap: the sender holds an open lead on a subject that the
/// recipient also has an open lead on, and the recipient cannot see the sender's lead. The
/// warning names both leads and the subject key they share, never the lead's content.
public struct SubjectWarning: Hashable, Sendable {
  /// `uscc <USCC>` or `shop <platform>/<shop ID>`, as `liandong alerts` prints it.
  public var subject: String
  /// The sender's lead.
  public var lead: ObjectID
  /// The recipient's lead on the same subject.
  public var otherLead: ObjectID

  public init(subject: String, lead: ObjectID, otherLead: ObjectID) {
    self.subject = subject
    self.lead = lead
    self.otherLead = otherLead
  }

  public func validate() throws {
    if subject.hasPrefix("uscc ") {
      _ = try USCC(String(subject.dropFirst("uscc ".count)))
    } else if subject.hasPrefix("shop "), subject.dropFirst("shop ".count).contains("/") {
      return
    } else {
      throw CoreError.invalidValue(
        field: "warning subject", value: subject, allowed: ["uscc <USCC>", "shop <platform>/<shop ID>"])
    }
  }
}

/// A warning as every node that may read it sees it.
public struct WarningProjection: Sendable, Equatable {
  public var id: ObjectID
  public var from: NodeID
  public var warning: SubjectWarning
  public var sent: HLCTimestamp
  public var audience: Audience
}
