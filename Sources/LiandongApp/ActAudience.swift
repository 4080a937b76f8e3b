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
}
