/// How long the free text of a record may be. A bureau writes a name or a summary, not a file;
/// anything longer is refused where it is typed and by every node's reducers, so that no one
/// region can fill the others' disks through a text field (documents go in as evidence).
public enum TextLimit {
  public static let name = 200
  public static let summary = 4000
  public static let url = 2000

  public static func check(_ field: String, _ text: String?, limit: Int) throws {
    guard let text, text.count > limit else { return }
    throw CoreError.tooLong(field: field, characters: text.count, limit: limit)
  }
}
