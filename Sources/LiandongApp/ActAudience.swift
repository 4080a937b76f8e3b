import LiandongCore
import LiandongErrors
import LiandongStore

/// Who sees an act on an object that already exists: everyone who may see the object, plus the
/// parties the act concerns (its origin and owner, so that a receiving bureau's decision is fed
/// back; for a hand-off, both bureaus and the superiors who settle a dispute), minus the acting
/// node itself. Never narrower than the object's own audience, so no node that holds the object
/// misses an act on it; wider only by the parties, which the act names.
public enum ActAudience {
  public static func on(_ lead: LeadView, by actor: NodeID, parties extra: Set<NodeID> = []) throws
    -> Audience
  {
    let parties: Set<NodeID> = [try NodeID(lead.origin), try NodeID(lead.owner)]
    return try Audience(parsing: lead.audience).forAct(by: actor, parties: parties.union(extra))
  }

  /// A hand-off act also reaches both sides of the hand-off and of a jurisdiction dispute, the
  /// bureau an offer or a designation names, and the superiors who settle an objection or a claim.
  public static func onHandOff(
    _ lead: LeadView, _ step: HandOffAct, by actor: NodeID, superiors: Set<NodeID> = []
  ) throws -> Audience {
    var parties = superiors
    let names = [lead.handOff?.from, lead.handOff?.to, lead.dispute?.owner, lead.dispute?.claimant]
    for name in names.compactMap({ $0 }) {
      if let id = try? NodeID(name) { parties.insert(id) }
    }
    if case .offer(let to, _, _, _, _) = step { parties.insert(to) }
    if case .designate(let to, _, _) = step { parties.insert(to) }
    return try on(lead, by: actor, parties: parties)
  }
}
