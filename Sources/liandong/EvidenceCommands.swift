import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

struct EvidenceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evidence",
    abstract:
      "Evidence (证据): attach files to leads, requests and cases, and see which files this node holds.",
    discussion: """
      A file is stored by its SHA-256 under the data folder's blobs/; its record (category, how it \
      was fixed, hash, ...) travels in a signed change, and the file itself follows during sync, \
      only to the nodes in the record's audience.
      """,
    subcommands: [
      EvidenceAdd.self, EvidenceList.self, EvidenceShow.self, EvidenceCustody.self, EvidenceShareCommand.self,
      EvidenceExport.self,
    ])
}

struct EvidenceAdd: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Attach a file as evidence to a lead, request or case.",
    discussion: """
      Categories (Art. 23): \(EvidenceCategory.allCases.map(\.rawValue).joined(separator: ", ")).
      How electronic data was fixed (required for electronic-data): \
      \(FixingMethod.allCases.map(\.rawValue).joined(separator: ", ")).

      The evidence is shared with the item's audience unless --to says otherwise.

      Example:
        liandong evidence add 3f2b8c1e shop.png --category electronic-data \\
          --how-fixed screenshot --source-url https://shop.example/item/1 \\
          --captured-at 2026-11-20T14:05:00+08:00
      """)

  @OptionGroup var options: NodeOptions
  @Argument(help: "The ID of the lead, request or case the evidence belongs to.") var item: String
  @Argument(help: "The file to attach.") var file: String
  @Option(help: ArgumentHelp("The kind of evidence (see above).", valueName: "category")) var category: String
  @Option(help: ArgumentHelp("How electronic data was fixed (see above).", valueName: "method"))
  var howFixed: String?
  @Flag(help: "The file is an original, not a copy.") var original = false
  @Option(help: "Who fixed the evidence (default: the officer).") var fixedBy: String?
  @Option(help: "The tool used to fix it, e.g. a screen recorder's name and version.") var tool = ""
  @Option(help: "Where it was captured (a shop or listing URL).") var sourceUrl = ""
  @Option(help: ArgumentHelp("When it was captured, ISO 8601 with offset.", valueName: "time"))
  var capturedAt = ""
  @Option(help: "The media type (default: guessed from the file name).") var mediaType: String?
  @Option(help: "A sentence on what the file shows.") var description = ""
  @Option(help: ArgumentHelp("Who may see it: 'all' or node IDs separated by commas.", valueName: "audience"))
  var to: String?
  @OptionGroup var officer: OfficerOption

  func execute() throws {
    let itemID = try options.objectID(item)
    let source = URL(fileURLWithPath: file)
    guard FileManager.default.fileExists(atPath: source.path) else {
      throw UsageError(
        code: "usage.no-such-file", message: "there is no file \(file); name the file to attach")
    }
    let app = try options.openApp()
    // Checked before the file is copied, so a mistake costs nothing.
    let record = EvidenceRecord(
      itemID: itemID, category: try EvidenceCategory(canonical: category), original: original,
      howFixed: try howFixed.map { try FixingMethod(canonical: $0) }, fixedBy: fixedBy ?? officer.resolved,
      tool: tool, sourceURL: sourceUrl, capturedAt: capturedAt, fileName: source.lastPathComponent,
      mediaType: mediaType ?? MediaType.guess(source.pathExtension), size: 0, sha256: Data(count: 32),
      description: description)
    let result = try app.addEvidence(
      to: itemID, file: source, record: record, audience: try to.map { try app.audience(parsing: $0) },
      by: officer.person)
    let (view, change) = (result.view, result.change)
    if options.json { return try Output.json(view) }
    print(view.id)
    for notice in result.notices { Output.error("note: \(notice)") }
    Output.error(
      "recorded evidence \(view.id) (\(view.fileName), \(view.size) bytes, \(app.hashName) \(view.sha256)) "
        + "in change \(change.id.short), shared with: \(view.audience)")
  }
}

struct EvidenceList: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List the evidence this node can see, and whether it holds each file.")
  @OptionGroup var options: NodeOptions
  @Option(help: "Only the evidence of this lead, request or case.") var item: String?

  func execute() throws {
    let app = try options.openApp()
    let items = try app.views.evidence(
      item: try item.map { try options.objectID($0).description })
    if options.json { return try Output.json(items) }
    guard !items.isEmpty else { return print("no evidence yet; attach a file with 'liandong evidence add'") }
    Output.table(
      ["ID", "ITEM", "CATEGORY", "SIZE", "FILE", app.hashName, "NAME"],
      items.map {
        [
          $0.id, $0.item, $0.category.rawValue, "\($0.size)", Self.fileState($0),
          String($0.sha256.prefix(16)),
          $0.fileName,
        ]
      })
  }

  static func fileState(_ view: EvidenceView) -> String {
    switch view.file {
    case "partial" where view.size > 0: "partial \(view.fileBytes * 100 / view.size)%"
    default: view.file
    }
  }
}

struct EvidenceShow: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "Show one evidence item in full, and where its file is.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The evidence item's ID.") var id: String

  func execute() throws {
    let app = try options.openApp()
    let view = try app.evidence(try app.objectID(id))
    if options.json { return try Output.json(view) }
    let path = try app.heldFileLocation(of: view)
    let hash = app.home.blobs.digest.displayName
    let lines: [(String, String)] = [
      ("evidence", view.id), ("item", view.item), ("origin", view.origin),
      ("category", "\(view.category) (\(view.original ? "original" : "copy"))"),
      (
        "fixed",
        [
          view.howFixed, view.fixedBy.isEmpty ? nil : "by \(view.fixedBy)",
          view.tool.isEmpty ? nil : "with \(view.tool)",
        ].compactMap { $0 }.joined(separator: " ")
      ),
      ("source", view.sourceURL.isEmpty ? "-" : view.sourceURL),
      ("captured", view.capturedAt.isEmpty ? "-" : view.capturedAt),
      ("file", "\(view.fileName) (\(view.mediaType), \(view.size) bytes)"),
      (hash.lowercased(), view.sha256),
      ("on this node", path ?? EvidenceList.fileState(view)),
      ("description", view.description.isEmpty ? "-" : view.description),
      ("added", "\(view.added) by \(view.addedBy)"), ("shared with", view.audience),
    ]
    for (label, value) in lines {
      print("\(label.padding(toLength: 13, withPad: " ", startingAt: 0)) \(value)")
    }
    print("chain of custody:")
    if view.custody.isEmpty { print("  (no events recorded)") }
    for entry in view.custody {
      var text = "  \(entry.time)  \(entry.event)  by \(entry.node) (\(entry.officer))"
      if let matched = entry.hashMatched { text += matched ? ", \(hash) matched" : ", \(hash) DID NOT MATCH" }
      if !entry.holder.isEmpty { text += ", to \(entry.holder)" }
      if !entry.note.isEmpty { text += ": \(entry.note)" }
      print(text)
    }
  }
}

/// The media type recorded with a file, from its extension; scripts can always pass one.
enum MediaType {
  static func guess(_ pathExtension: String) -> String {
    switch pathExtension.lowercased() {
    case "png": "image/png"
    case "jpg", "jpeg": "image/jpeg"
    case "gif": "image/gif"
    case "webp": "image/webp"
    case "pdf": "application/pdf"
    case "mp4": "video/mp4"
    case "mov": "video/quicktime"
    case "mp3": "audio/mpeg"
    case "wav": "audio/wav"
    case "txt": "text/plain"
    case "html", "htm": "text/html"
    case "json": "application/json"
    case "zip": "application/zip"
    default: "application/octet-stream"
    }
  }
}
