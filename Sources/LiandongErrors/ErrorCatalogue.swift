/// The one table of error codes: each code's category and the remedy a person is shown. A code
/// is written here before anything raises it; `Protocol/ERRORS.md` is printed from this table
/// (`liandong errors --markdown`), and a test checks that the two agree and that every code the
/// sources raise is here.
public enum ErrorCatalogue {
  public struct Entry: Sendable, Equatable {
    public let code: String
    public let category: ErrorCategory
    public let remedy: String
    /// No test can provoke it without breaking the program or the machine (an OpenSSL failure, a
    /// store row that no writer produces); everything else has a test that triggers it.
    public let internalOnly: Bool

    init(_ code: String, _ category: ErrorCategory, _ remedy: String, internalOnly: Bool = false) {
      self.code = code
      self.category = category
      self.remedy = remedy
      self.internalOnly = internalOnly
    }
  }

  /// What to do about an error that should not happen.
  public static let reportDefect =
    "This is a defect: run the command again with LIANDONG_DEBUG=1 and report what it prints, with 'liandong --version'."

  /// A refusal of this node's own change is reported as `local.` and the refusal's code.
  public static let localPrefix = "local."

  public static func entry(for code: String) -> Entry? {
    if let entry = byCode[code] { return entry }
    if code.hasPrefix(localPrefix), let underlying = byCode[String(code.dropFirst(localPrefix.count))] {
      return underlying
    }
    return nil
  }

  private static let byCode: [String: Entry] = Dictionary(
    uniqueKeysWithValues: entries.map { ($0.code, $0) })

  /// Every code, grouped by namespace.
  public static let entries: [Entry] = [
    // The command line: options that are missing, contradictory or out of range.
    Entry("usage.no-data", .invalidInput, "Pass --data DIR or set LIANDONG_DATA to the node's data folder."),
    Entry(
      "usage.batch-bytes", .invalidInput, "Give --batch-bytes a value from 4096 to 8388608, or leave it out."),
    Entry("usage.peers", .invalidInput, "Name the peers to sync with, or pass --all, but not both."),
    Entry(
      "usage.unknown-peer", .notFound,
      "Add the peer first with 'liandong peer add ID HOST:PORT'; 'liandong peer list' shows those known."),
    Entry("usage.no-peers", .notFound, "Add a peer with 'liandong peer add ID HOST:PORT'."),
    Entry("usage.self-peer", .invalidInput, "A node does not sync with itself: add another node as a peer."),
    Entry(
      "usage.nothing-to-change", .invalidInput, "Name at least one field to change; '--help' lists them."),
    Entry(
      "usage.no-such-file", .notFound, "Check the path; the file must exist and be readable by this user."),
    Entry("usage.no-audience", .invalidInput, "Say who may see it with --to (node IDs, group:NAME or all)."),
    Entry("usage.format", .invalidInput, "Use one of the formats the command's --help lists."),
    Entry("usage.date-range", .invalidInput, "Give --from a date on or before --to, as YYYY-MM-DD."),
    Entry("usage.holder", .invalidInput, "Say to whom the item was handed over with --holder."),
    Entry("usage.per-change", .invalidInput, "Give --per-change a value from 1 to 5000."),
    Entry("usage.police-step", .invalidInput, "Use one of the steps 'liandong police record --help' lists."),
    Entry(
      "usage.arguments", .invalidInput,
      "Run the command with --help for its options and an example."),
    Entry(
      "usage.within", .invalidInput, "Give --within a number of working days, 0 or more."),
    Entry(
      "usage.request-self", .invalidInput,
      "Send the request to another bureau: --to names the requested node."),
    Entry("usage.share-to", .invalidInput, "Share with named bureaus (--to yrd,prd or --to group:NAME)."),
    Entry(
      "recipient.unknown", .invalidInput,
      "Check the node ID ('liandong peer list', 'liandong federation show'); add the peer or install the "
        + "federation manifest that lists it."),
    Entry("recipient.not-one", .invalidInput, "Name the one bureau the act is addressed to, e.g. --to yrd."),
    Entry("usage.unknown-code", .notFound, "Run 'liandong errors' for the whole list of codes."),
    // Values typed by a person or read from a file.
    Entry(
      "input.node-id", .invalidInput, "Use 2-32 characters from a-z, 0-9 and '-', e.g. jjj, yrd or 310000."),
    Entry(
      "input.uscc", .invalidInput,
      "Check the code's 18 characters against the certificate of registration; the message names the wrong one."
    ),
    Entry(
      "input.division-code", .invalidInput,
      "Use a six-digit GB/T 2260 division code from the node's list, e.g. 310115 (浦东新区); a code created since the list was made goes into the operator's own copy (Deploy/README.md)."
    ),
    Entry(
      "config.divisions", .invalidInput,
      "Correct the file node.json names as \"divisions\" (one code, a tab and its name per line), or remove the key to use the list built into liandong."
    ),
    Entry("input.object-id", .invalidInput, "Copy the ID from 'list' or '--json' output: it is a UUID."),
    Entry(
      "input.value", .invalidInput,
      "Use one of the values the message lists (the canonical names of the domain)."),
    Entry("input.audience", .invalidInput, "Use --to all, node IDs separated by commas, or group:NAME."),
    Entry("input.missing", .invalidInput, "Give the field the message names."),
    Entry(
      "input.ambiguous-id", .invalidInput,
      "Give more characters of the ID, enough to name one of those listed."),
    Entry("input.date", .invalidInput, "Give a real day as YYYY-MM-DD, e.g. 2026-03-12."),
    Entry("input.date-passed", .invalidInput, "Give a day from today on (YYYY-MM-DD, China time)."),
    Entry(
      "input.date-in-future", .invalidInput,
      "Check the year and the offset (e.g. 2026-11-20T14:05:00+08:00), and this machine's clock."),
    Entry(
      "input.too-long", .invalidInput,
      "Shorten the text to the limit the message gives; attach documents as evidence instead."),
    Entry(
      "input.group", .notFound,
      "Use a sharing group that 'liandong federation show' lists, or install a manifest that has it."),
    Entry(
      "input.address", .invalidInput, "Write the address as HOST:PORT, e.g. 10.1.2.3:7420 or [::1]:7420."),
    Entry("input.file", .invalidInput, "Check the path and that this user may read the file."),
    Entry(
      "input.change-file", .invalidInput,
      "Import a file written by 'liandong changes export', whole and unaltered."),
    Entry(
      "evidence.not-a-file", .invalidInput,
      "Name the file itself: save what a pipe or device gives to a file first, then add that file."),
    Entry(
      "evidence.changed-while-read", .conflict,
      "Wait until the file is complete (a download or a recording still running), then add it again."),
    Entry(
      "evidence.empty", .invalidInput, "Check that you named the right file; an empty file fixes nothing."),
    Entry(
      "import.not-utf8", .invalidInput,
      "Save the file as UTF-8 CSV (in Excel: 'CSV UTF-8'), or name its encoding: --encoding gb18030."),
    Entry(
      "import.not-gb18030", .invalidInput,
      "Leave out --encoding to detect the encoding, or save the file as UTF-8 CSV."),
    Entry(
      "import.duplicate-column", .invalidInput,
      "Remove or rename one of the two columns; the header's names are in 'liandong lead import --help'."),
    // The node's data folder and its configuration.
    Entry(
      "node.not-initialised", .notFound,
      "Run 'liandong init' in that folder first, or pass the folder that holds the node."),
    Entry(
      "node.already-initialised", .conflict, "Choose an empty folder, or use the node that is already there."),
    Entry(
      "node.unreadable-file", .unavailable, "Check that the file exists and that the node's user may read it."
    ),
    Entry(
      "node.unwritable-file", .unavailable,
      "Check the disk's free space and the folder's owner and permissions."),
    Entry(
      "node.identity-mismatch", .internal,
      "Put back node.key and node.pem from the same backup; they must belong together."),
    Entry(
      "node.bad-config", .invalidInput,
      "Correct node.json as the message says; 'liandong serve --check-config' explains every setting."),
    Entry(
      "node.clock-off", .unavailable,
      "Set this machine's clock right (NTP: 'timedatectl set-ntp true', 'chronyc tracking'), then write again; if the peers' clocks are the wrong ones, their operators fix theirs and a sync measures again."
    ),
    Entry(
      "node.own-changes-missing", .conflict,
      "Sync with that node, or any peer that holds those changes ('liandong sync --all'): they come back, and the node writes again. If no node holds them any more, accept the risk of a fork with 'liandong sync --all --accept-fork-risk'."
    ),
    Entry(
      "node.catch-up-required", .conflict,
      "Sync with every configured peer first ('liandong sync --all', or let 'serve' sync), then write again. If a peer is gone for good, remove it ('liandong peer remove'), or accept the risk of a fork with 'liandong sync --all --accept-fork-risk'."
    ),
    Entry(
      "node.disk-full", .unavailable,
      "Free space on the disk holding the data folder, or move it to a larger disk, then try again."),
    Entry("node.local-failure", .internal, reportDefect, internalOnly: true),
    Entry(
      "init.cert-other-node", .invalidInput,
      "Pass the certificate issued to this node, or --node with the ID the certificate names."),
    Entry(
      "key.encrypted", .invalidInput,
      "Decrypt the key once (openssl pkey -in KEY -out node-plain.key), keep it mode 0600, and pass that file."
    ),
    Entry(
      "usage.file-exists", .conflict,
      "Name a new file, or pass --force to replace the one there."),
    Entry("init.key-mismatch", .invalidInput, "Pass the private key the certificate request was made with."),
    Entry(
      "init.key-suite", .invalidInput,
      "Pass a certificate of the federation's suite: 'liandong-pki issue' on the federation's CA makes one."),
    Entry(
      "init.tls-certificate", .invalidInput,
      "In an SM2 federation pass --tls-cert and --tls-key (liandong-pki issues NODE.tls.pem and NODE.tls.key); elsewhere leave them out."
    ),
    Entry(
      "init.store", .invalidInput,
      "Give --store (or node.json's \"store\") as a PostgreSQL URL, postgresql://USER@HOST:PORT/DATABASE, with the password in the node user's ~/.pgpass; leave it out for the SQLite file in the data folder."
    ),
    Entry(
      "init.store-in-use", .conflict,
      "Give the node a database of its own ('createdb -E UTF8 --locale=C.UTF-8 -T template0 NAME'); a second serve process of the same hub uses a copy of the first one's data folder, not a second init (Deploy/README.md, section 11)."
    ),
    Entry("config.listen", .invalidInput, "Give the listen address as HOST:PORT (port 0 picks a free one)."),
    Entry("config.interval", .invalidInput, "Give an interval in seconds greater than zero."),
    Entry(
      "config.scrub-rate", .invalidInput,
      "Give the evidence scrub's rate in MiB per second: 0 turns it off, 8 is the default."),
    Entry("config.allow", .invalidInput, "List node IDs separated by commas."),
    Entry("config.log-level", .invalidInput, "Use trace, debug, info, notice, warning or error."),
    Entry(
      "calendar.unreadable", .invalidInput,
      "Fix the calendar file (the format of shared/calendar/cn-workdays.json) or remove the setting to use the built-in one."
    ),
    Entry(
      "calendar.not-covered", .unavailable,
      "Add the year's official schedule to a calendar file and name it with --calendar or 'calendar' in node.json."
    ),
    // The store.
    Entry(
      "object.not-found", .notFound,
      "Check the ID ('list' shows what this node holds); an object shared with other nodes only is not shown here."
    ),
    Entry(
      "object.withheld", .notFound,
      "See why with 'liandong verify'. Stamped ahead of this node's clock: it counts once the clock reaches it, or its origin corrects its clock. Signed by a revoked certificate and held by no other node before then: if it is genuine, the federation authority can name it in a cut-off."
    ),
    Entry("store.schema-too-new", .unavailable, "Use the newer liandong that wrote this database."),
    Entry(
      "store.cannot-open", .unavailable,
      "Check that the data folder exists and that the node's user may read and write it."),
    Entry(
      "store.busy", .unavailable,
      "Another process holds the database for too long: try again, and stop a stuck liandong process if one remains."
    ),
    Entry(
      "store.read-only", .unavailable,
      "Give the node's user write access to the data folder, or remount its disk read-write."),
    Entry(
      "store.io", .unavailable,
      "The disk reported an I/O error: check it ('dmesg'), then restore from a backup if the node does not open."
    ),
    Entry(
      "store.damaged", .internal,
      "The database is damaged: restore the latest backup with 'liandong restore', then sync to get the rest back from peers."
    ),
    Entry(
      "store.body-damaged", .unavailable,
      "Run 'liandong sync' with peers in those changes' audience: the good bodies come back and are folded. Then run the command again; 'liandong verify' lists what is still awaited."
    ),
    Entry(
      "store.row-mismatch", .internal,
      "Run 'liandong rebuild'; if verify still fails, restore a backup and sync.", internalOnly: true),
    Entry("store.unexpected", .internal, reportDefect, internalOnly: true),
    // A hub's PostgreSQL store.
    Entry(
      "store.postgres-unreachable", .unavailable,
      "Check that PostgreSQL runs and that the store URL in node.json names its host, port and database; after a failover, try again once the new primary answers."
    ),
    Entry(
      "store.postgres-refused", .unavailable,
      "Check the user and password in the store URL (or the node user's ~/.pgpass) and that the server's pg_hba.conf lets this host log in."
    ),
    Entry(
      "store.postgres-no-database", .unavailable,
      "Create the database ('createdb -E UTF8 --locale=C.UTF-8 -T template0 NAME' as its owner) or correct its name in the store URL."
    ),
    Entry(
      "store.postgres-tls", .unavailable,
      "Check that the server's certificate is issued by the CA in the store URL's sslrootcert, names the host the URL names (sslmode=verify-full) and is within its dates."
    ),
    Entry(
      "store.postgres-not-utf8", .invalidInput,
      "Create the node's database in UTF-8 ('createdb -E UTF8 --locale=C.UTF-8 -T template0 NAME') and point the store URL at it."
    ),
    Entry(
      "store.postgres-standby", .unavailable,
      "Point the store URL at the primary (HAProxy in front of Patroni routes there); writes resume once a primary answers."
    ),
    Entry(
      "store.postgres-full", .unavailable,
      "Every PostgreSQL connection is taken: keep the serve processes' 'storeConnections' (node.json, 16 each by default) together below the server's max_connections, or raise max_connections (Patroni's parameters) and restart PostgreSQL; then try again."
    ),
    Entry(
      "store.postgres-connections-busy", .unavailable,
      "Try again in a moment. If it keeps happening, look in pg_stat_activity for statements that run long, or raise 'storeConnections' in node.json (keeping every serve process's together below PostgreSQL's max_connections) and restart serve."
    ),
    Entry(
      "store.postgres-failed", .unavailable,
      "Read PostgreSQL's log at this time for the cause (a full disk, a limit reached); if it names no cause of its own, this is a defect: report it with 'liandong --version'."
    ),
    Entry(
      "backup.hub", .invalidInput,
      "Back up a hub's database with PostgreSQL's own tools (pg_basebackup or pgBackRest, from the synchronous standby) and its data folder's node.json, ca.pem, crl.pem, node.pem and node.key with the machine's backup (Deploy/README.md, section 11)."
    ),
    Entry(
      "restore.hub", .invalidInput,
      "Restore a hub's database with PostgreSQL's own tools; 'liandong restore' takes the backups of nodes on SQLite, whose node.json names no \"store\"."
    ),
    Entry(
      "backup.failed", .unavailable,
      "Check the message: the output's folder must be writable with room to spare, and tar installed."),
    Entry("file.unreadable", .invalidInput, "Check the path and that this user may read the file."),
    // Keys, certificates and revocation lists.
    Entry("crypto.unreadable-pem", .invalidInput, "Pass a PEM file (it starts with -----BEGIN)."),
    Entry(
      "crypto.unsupported-key", .invalidInput,
      "Use an ECDSA P-256, Ed25519 or RSA key, as 'Deploy/pki/liandong-pki' makes."),
    Entry("crypto.keygen-failed", .internal, reportDefect, internalOnly: true),
    Entry("crypto.signing-failed", .internal, reportDefect, internalOnly: true),
    Entry("crypto.openssl", .internal, reportDefect, internalOnly: true),
    Entry("cert.unreadable", .invalidInput, "Pass a PEM certificate file that this user may read."),
    Entry("cert.not-trusted", .forbidden, "Use a certificate issued by the federation CA in ca.pem."),
    Entry(
      "cert.revoked", .forbidden,
      "The CA revoked this certificate: ask it for a new one ('liandong cert rotate' installs it)."),
    Entry(
      "cert.expired", .forbidden,
      "Ask the CA for a new certificate and install it with 'liandong cert rotate'."),
    Entry(
      "cert.not-yet-valid", .forbidden,
      "Check this machine's clock; otherwise wait until the certificate's start date."),
    Entry(
      "cert.no-node-id", .invalidInput,
      "Use a certificate with a SAN URI urn:liandong:node:ID, as 'Deploy/pki/liandong-pki' issues."),
    Entry(
      "cert.bad-node-id", .invalidInput,
      "The certificate's SAN URI must be urn:liandong:node: and a valid node ID."),
    Entry(
      "crl.unreadable", .invalidInput, "Pass the CRL file the CA published (PEM), readable by this user."),
    Entry(
      "crl.empty", .invalidInput, "Pass the CRL the CA published: it must carry its issue date.",
      internalOnly: true),
    Entry("crl.invalid", .invalidInput, "Pass a CRL signed by the federation CA in ca.pem."),
    Entry(
      "crl.refused", .invalidInput,
      "Pass a CRL the CA signed that does not revoke this node's own certificate; the message says which."),
    Entry("crl.older", .conflict, "The installed CRL is newer: keep it, or get the CA's latest one."),
    Entry("crl.missing", .unavailable, "Install the CA's current CRL with 'liandong crl install'."),
    Entry(
      "crl.expired", .unavailable,
      "The CRL's next update has passed: install the CA's new CRL ('liandong crl install'), then reload."),
    // The federation manifest.
    Entry(
      "manifest.unreadable", .invalidInput, "Pass the manifest file and its .sig, readable by this user."),
    Entry(
      "manifest.invalid", .invalidInput,
      "Correct the manifest as the message says, and have the CA sign it again."),
    Entry(
      "manifest.refused", .forbidden, "Install a manifest with the CA's signature over exactly these bytes."),
    Entry(
      "manifest.not-newer", .conflict,
      "Raise the manifest's version above the installed one, and have the CA sign it."),
    // Changes received from a peer or a file, or refused on this node.
    Entry(
      "change.malformed-header", .invalidInput,
      "The change was damaged: sync again from a peer that holds it intact."),
    Entry(
      "change.unsupported-format", .unavailable,
      "Upgrade liandong on this node: the sender uses a newer change format."),
    Entry(
      "change.suite-not-allowed", .forbidden,
      "The sender is not of this federation's algorithm suite: check that both nodes were initialised with the same federation CA."
    ),
    Entry(
      "change.suite-mismatch", .invalidInput,
      "The change is forged or its signer misconfigured: report it to the federation's operators."),
    Entry(
      "change.body-size", .invalidInput, "The body was altered: sync again from a peer that holds it intact."),
    Entry(
      "change.body-hash", .invalidInput, "The body was altered: sync again from a peer that holds it intact."),
    Entry(
      "change.bad-signature", .invalidInput,
      "The change is forged or altered: report it to the federation's operators."),
    Entry(
      "change.unknown-signer", .forbidden,
      "Sync the origin's earlier changes first: they announce its certificates."),
    Entry(
      "change.signer-not-trusted", .forbidden,
      "The signer's certificate was not valid at the change's time: ask the CA, and for this node's own changes get a new certificate."
    ),
    Entry(
      "change.signer-other-node", .forbidden, "Report it: a node signed a change in another node's name."),
    Entry(
      "change.first-not-announce", .invalidInput,
      "The origin's first change must announce its certificate: sync from a peer that holds it."),
    Entry(
      "change.announce-not-public", .invalidInput,
      "A certificate announcement must be shared with all; the sender must be fixed."),
    Entry(
      "change.manifest-not-public", .invalidInput,
      "Publish the federation manifest to all, with 'liandong federation install'."),
    Entry("change.manifest-invalid", .invalidInput, "Publish only a manifest the federation CA signed."),
    Entry(
      "change.crl-not-public", .invalidInput,
      "Publish the CA's revocation list to all, with 'liandong crl install'."),
    Entry("change.crl-invalid", .invalidInput, "Relay only a revocation list the federation CA signed."),
    Entry("change.gap", .conflict, "Nothing to do: the missing changes arrive on the next sync."),
    Entry(
      "change.broken-link", .invalidInput,
      "The origin's chain is broken: report it to the federation's operators."),
    Entry(
      "change.time-not-increasing", .invalidInput,
      "Check the origin's clock: it went back. Set it right (NTP) and write again."),
    Entry(
      "change.clock-correction-not-public", .invalidInput,
      "A clock correction must go to all: let the node sign it itself, after its clock is set right."),
    Entry(
      "change.origin-quarantined", .conflict,
      "The federation CA's operator must decide the origin's fork (a manifest with \"forks\"); until then its later changes are held back."
    ),
    Entry(
      "change.fork", .conflict,
      "Both signed changes are kept as proof: the federation CA's operator decides which stands, in a manifest with \"forks\" (Deploy/README.md)."
    ),
    Entry(
      "change.fork-decided", .conflict,
      "Sync with the peers that hold the kept change ('liandong sync --all'), then write again: signing now would fork the chain anew."
    ),
    // Where an object has reached ('liandong reach').
    Entry(
      "reach.unknown-node", .invalidInput,
      "Name another node of the federation, as 'liandong peer list' or the federation manifest's members spell it."
    ),
    // Deciding a fork of this node's own chain ('liandong fork keep').
    Entry(
      "fork.not-found", .notFound,
      "Name one of the two changes 'liandong fork list' shows for a fork of this node's own chain, by its ID or the first 8 or more of its hex digits."
    ),
    Entry(
      "fork.other-origin", .forbidden,
      "Ask that node's operator to run 'liandong fork keep' there, or the federation CA's operator to decide in a manifest with \"forks\" (Deploy/README.md)."
    ),
    Entry(
      "fork.decided", .conflict,
      "Nothing to do here: 'liandong fork list' shows the decision and who made it. If it is wrong, only the federation CA's operator can decide again, in a manifest with \"forks\" (Deploy/README.md)."
    ),
    Entry(
      "fork.contested", .conflict,
      "Someone else may hold this node's key: have its certificate revoked, and ask the federation CA's operator to decide in a manifest with \"forks\" (Deploy/README.md)."
    ),
    Entry(
      "fork.certificate-revoked", .forbidden,
      "Ask the federation CA's operator to decide the fork in a manifest with \"forks\" (Deploy/README.md): the word of a revoked key no longer counts, since a thief may hold it."
    ),
    // Operations the reducers refused (kept in the log with no effect).
    Entry("op.invalid", .invalidInput, "Correct the value the message names and act again."),
    Entry("op.unreadable", .unavailable, "Upgrade liandong: the operation was written by a newer version."),
    Entry("op.exists", .conflict, "The object exists already: act on it instead of creating it again."),
    Entry(
      "op.not-owner", .forbidden, "Only the owner node may do this: ask its bureau, or hand the case off."),
    Entry("op.not-party", .forbidden, "Only the parties named in the object may do this."),
    Entry("op.wrong-party", .forbidden, "The other party does this step: the message says which."),
    Entry("op.not-receiver", .forbidden, "Only a bureau that received the lead may do this."),
    Entry(
      "op.not-superior", .forbidden,
      "Only a superior named by the federation manifest may designate jurisdiction."),
    Entry(
      "op.wrong-state", .conflict, "Take the steps in order: 'show' and 'history' say the state it is in."),
    Entry("op.extended-already", .conflict, "An extension may be notified once: the deadline stands."),
    Entry(
      "op.deadline-passed", .conflict,
      "An extension must be notified before the deadline; answer the request, or decline with reasons."),
    Entry("op.in-conflict", .conflict, "Resolve the conflict first ('liandong conflicts' lists it)."),
    Entry(
      "op.no-conflict", .conflict,
      "There is nothing to resolve: 'liandong conflicts' lists what needs a decision."),
    Entry(
      "op.no-second-handoff", .forbidden,
      "A bureau that received a case by hand-off may not pass it on: object to it, and the superior designates."
    ),
    Entry("op.no-such-lead", .notFound, "Check the lead's ID, and sync if it was made on another node."),
    Entry(
      "op.no-such-request", .notFound, "Check the request's ID, and sync if it was made on another node."),
    Entry(
      "op.no-such-evidence", .notFound,
      "Check the evidence ID ('liandong evidence list'), and sync if it was added elsewhere."),
    Entry("op.no-such-transfer", .notFound, "Check the police transfer's ID ('liandong police list')."),
    // Acts checked before anything is signed.
    Entry(
      "handoff.no-manifest", .notFound,
      "Install the federation manifest ('liandong federation install'): it names the superiors."),
    Entry(
      "handoff.nothing-to-share", .conflict,
      "Share a case after it was handed off by this node and accepted; share evidence with 'liandong evidence share'."
    ),
    Entry(
      "police.no-document", .notFound,
      "Add the document as evidence first ('liandong evidence add'), then name its ID."),
    Entry(
      "request.not-party", .forbidden, "Only the requesting or the requested bureau may act on a request.",
      // A request reaches its two bureaus alone, so no other node holds one to act on: a guard.
      internalOnly: true),
    Entry("request.wrong-party", .forbidden, "The other bureau does this step: the message says which."),
    // Accounts, tokens and the HTTP API.
    Entry(
      "account.invalid-name", .invalidInput,
      "Name accounts with 2-64 of a-z, 0-9, '.', '_' and '-', starting with a letter (e.g. li.wei)."),
    Entry(
      "account.exists", .conflict,
      "Choose another name, or use the existing account ('liandong officer list')."),
    Entry(
      "account.not-found", .notFound,
      "Check the name with 'liandong officer list', or add it with 'liandong officer add'."),
    Entry(
      "account.disabled", .conflict, "A disabled account stays disabled: add a new account for the person."),
    Entry("usage.token-days", .invalidInput, "Give --days between 1 and 3650 (the default is 90)."),
    Entry(
      "usage.no-password", .invalidInput,
      "Type the password twice on a terminal, or give it as the first line of standard input."),
    Entry("usage.limit", .invalidInput, "Ask for 1 to 200 items a page, and follow nextCursor for more."),
    Entry("usage.sort", .invalidInput, "Sort by newest (the default for pages) or oldest."),
    Entry(
      "auth.no-token", .unauthenticated,
      "Send 'Authorization: Bearer <token>'; an operator issues one with 'liandong officer token NAME'."),
    Entry(
      "auth.bad-token", .unauthenticated,
      "Use a token this node issued, exactly as it was shown; ask an operator for a new one."),
    Entry(
      "auth.token-expired", .unauthenticated,
      "Ask an operator for a new token ('liandong officer token NAME')."),
    Entry(
      "auth.token-revoked", .unauthenticated,
      "Ask an operator for a new token ('liandong officer token NAME')."),
    Entry("auth.account-disabled", .unauthenticated, "The account was disabled; ask the node's operator."),
    Entry(
      "account.weak-password", .invalidInput,
      "Choose 10 or more characters that do not contain the account's name, e.g. a few unrelated words."),
    Entry(
      "auth.login-failed", .unauthenticated,
      "Check the account name and the password; after five wrong tries, logins wait a while."),
    Entry(
      "auth.login-blocked", .unavailable,
      "Wait until the time the message names (Retry-After), or ask an operator to set a new password."),
    Entry(
      "auth.wrong-password", .forbidden,
      "Give the current password exactly; after five wrong tries the account waits like a login."),
    Entry(
      "auth.no-session", .unauthenticated, "Log in again: the browser's session cookie is not valid here."),
    Entry(
      "auth.session-ended", .unauthenticated, "Log in again: sessions end after 12 hours, or an idle hour."),
    Entry(
      "auth.csrf", .forbidden,
      "Send the session's CSRF token (from the login response or the page) as X-CSRF-Token, or reload the page."
    ),
    Entry(
      "auth.not-permitted", .forbidden,
      "Ask for an account with a role that may do this (officer or supervisor to act, operator for the node)."
    ),
    Entry(
      "api.idempotency-key", .invalidInput,
      "Send an Idempotency-Key of 1-128 visible ASCII characters, such as a UUID."),
    Entry(
      "api.idempotency-key-reused", .conflict,
      "Use a new Idempotency-Key for a new act; repeat a key only to retry the same request."),
    Entry(
      "api.idempotency-in-flight", .conflict,
      "Send the same request with the same Idempotency-Key again in a few seconds: it then answers with the first attempt's result."
    ),
    Entry(
      "api.bad-request", .invalidInput,
      "Send the request as Protocol/openapi.yaml describes it: the message says what did not fit."),
    Entry("api.not-found", .notFound, "Check the path against Protocol/openapi.yaml."),
    Entry(
      "api.method-not-allowed", .invalidInput, "Use one of the methods the Allow header lists for this path."),
    Entry(
      "api.too-large", .invalidInput,
      "Send a smaller request: the API's JSON bodies are small (256 KiB at most)."),
    Entry(
      "evidence.file-not-held", .notFound,
      "Wait for the file to arrive with the next sync ('liandong status' shows transfers), then try again."),
    Entry(
      "verify.running", .conflict,
      "Wait for the verification running to finish (GET /v1/verify shows its progress), then start another."),
    Entry(
      "backup.running", .conflict,
      "Wait for the backup being written to finish (GET /v1/backup shows it), then start another."),
    Entry(
      "api.busy", .unavailable, "Retry after the seconds Retry-After gives; send fewer requests at once."),
    Entry(
      "api.bad-cursor", .invalidInput,
      "Pass the nextCursor of the page before, unchanged, or no cursor for the first page."),
    Entry(
      "api.plain-http-not-loopback", .invalidInput,
      "Serve plain HTTP on a loopback address (127.0.0.1, ::1), or leave out --api-plain-http for HTTPS."),
    Entry(
      "node.not-ready", .unavailable,
      "Fix what the message names (the clock, the CRL, the certificate); /readyz answers 200 once it is fixed."
    ),
    Entry(
      "config.api-certificate", .invalidInput,
      "Give the API's certificate chain and its unencrypted key as PEM files, both or neither (then the node's own is used)."
    ),
    // Evidence files and bundles.
    Entry("blob.unreadable", .invalidInput, "Check the file's path and that this user may read it."),
    Entry("blob.io", .unavailable, "Check the disk holding the data folder (space, permissions, 'dmesg')."),
    Entry("blob.busy", .unavailable, "Another transfer of this file is under way: try again when it ends."),
    Entry(
      "blob.bad-offset", .invalidInput,
      "Nothing to do: the transfer restarts from the last durable offset on the next sync."),
    Entry(
      "blob.too-long", .invalidInput,
      "The peer sent more bytes than the file has: it is refused, and fetched again."),
    Entry(
      "blob.out-of-order", .invalidInput,
      "Nothing to do: the transfer restarts from the last durable offset on the next sync."),
    Entry(
      "blob.not-entitled", .forbidden,
      "This node is not in the evidence's audience: its owner may share it ('liandong evidence share')."),
    Entry(
      "blob.unavailable", .unavailable, "The peer cannot read the file now; it is fetched on a later sync."),
    Entry(
      "blob.damaged", .unavailable,
      "The copy held here no longer matches its hash: run 'liandong verify', which sets it aside; the next sync fetches it again from a peer that holds it."
    ),
    // Evidence files kept in an S3-compatible object store (node.json's evidenceStore).
    Entry(
      "evidence.store-unreachable", .unavailable,
      "Check that the object store named by evidenceStore in node.json is running and reachable from this host (its endpoint's host and port). Nothing was lost: try again once it answers."
    ),
    Entry(
      "evidence.store-bad-answer", .unavailable,
      "Check that evidenceStore's endpoint is the object store's S3 API (for SeaweedFS, the port given by -s3.port), not another of its services."
    ),
    Entry(
      "evidence.store-refused", .unavailable,
      "Check the access key and secret in the credentials file evidenceStore names, and that they may read and write its bucket; the message gives the object store's own code."
    ),
    Entry(
      "evidence.store-failed", .unavailable,
      "The object store failed the request itself (HTTP 5xx): its log says why (a volume server down, a full disk). Nothing was recorded: try again once it is healthy."
    ),
    Entry(
      "evidence.store-tls", .unavailable,
      "Check that the object store's certificate is signed by a CA in evidenceStore's caFile (or the system's trust store when there is none), names the endpoint's host, and is valid today."
    ),
    Entry(
      "evidence.store-no-bucket", .unavailable,
      "Create the bucket in the object store (SeaweedFS: 's3.bucket.create -name NAME' in 'weed shell'), or correct 'bucket' under evidenceStore in node.json."
    ),
    Entry(
      "config.evidence-store", .invalidInput,
      "Correct evidenceStore in node.json as the message says; Deploy/config/README.md describes each of its keys."
    ),
    Entry("bundle.not-empty", .conflict, "Choose an empty or new folder for the bundle."),
    Entry(
      "bundle.archive-failed", .unavailable,
      "The node's folder needs room for a copy of the bundle, and tar installed ('apt-get install tar'); or export it as a folder with 'liandong evidence export'."
    ),
    Entry(
      "bundle.file-damaged", .unavailable,
      "Run 'liandong sync' with a peer that holds the file: it is fetched again and checked. Then export again; 'liandong verify' lists what else is damaged."
    ),
    Entry(
      "bundle.files-missing", .unavailable,
      "Sync until the evidence files are held ('liandong evidence list'), then export again."),
    Entry(
      // Every stored change's signer was verified when it was stored, so its certificate is held.
      "bundle.no-certificate", .internal, reportDefect, internalOnly: true),
    // Sync sessions.
    Entry(
      "sync.unreachable", .unavailable,
      "Check the peer's address ('liandong peer list'), that 'liandong serve' runs there, and the network."),
    Entry(
      "sync.refused", .forbidden,
      "The peer closed the session: its log says why (an untrusted or revoked certificate, or not allowed)."),
    Entry(
      "sync.changes-refused", .conflict,
      "Everything else moved. 'liandong verify' and the peer's log name each refused change; a refusal "
        + "that repeats on every sync needs an operator on the node that signed it."),
    Entry(
      "node.quarantined", .forbidden,
      "This node's key signed two changes with one sequence number (a restored backup, or a stolen key): "
        + "stop writing and find out which change is this node's own. If its key is safe, decide here with "
        + "'liandong fork keep CHANGE' ('liandong status' lists both); if it may be stolen, have its certificate revoked "
        + "and ask the federation CA's operator to decide (a manifest with \"forks\", Deploy/README.md). Once the "
        + "decision is in force the node catches up and writes again."
    ),
    Entry(
      "sync.peer-failed", .unavailable,
      "The peer failed during the session: its log says why; the next sync resumes."),
    Entry(
      "sync.connection-closed", .unavailable,
      "The connection dropped: the next sync resumes from what was acknowledged."),
    Entry(
      "sync.unsupported-version", .unavailable,
      "Upgrade the older of the two nodes: they speak different protocol versions."),
    Entry(
      "sync.wrong-node", .forbidden,
      "The peer at that address is another node: correct the address with 'liandong peer add'."),
    Entry(
      "sync.unexpected-frame", .invalidInput,
      "The peer broke the protocol: check that both run a released liandong."),
    Entry(
      "checkpoint.malformed", .invalidInput,
      "A peer passed on bytes that are no checkpoint: check that both run a released liandong."),
    Entry(
      "checkpoint.unknown-signer", .forbidden,
      "Nothing to do: the checkpoint comes again once this node holds its signer's announcements."),
    Entry(
      "checkpoint.signer-not-trusted", .forbidden,
      "The checkpoint's certificate is not one the federation CA vouched for then: report it to the federation's operators."
    ),
    Entry(
      "checkpoint.bad-signature", .invalidInput,
      "The checkpoint is forged or altered: report it to the federation's operators."),
    Entry(
      "sync.malformed-frame", .invalidInput,
      "The peer sent a frame that cannot be decoded: check that both run a released liandong."),
    Entry(
      "sync.oversized-frame", .invalidInput,
      "The peer sent a frame over the size limit: check that both run a released liandong."),
    Entry(
      "sync.batch-order", .invalidInput,
      "The peer sent a batch out of order: check that both run a released liandong."),
    Entry(
      "sync.body-not-entitled", .forbidden,
      "The peer sent a body this node may not hold: report it to the federation's operators."),
    Entry(
      "sync.bad-blob", .invalidInput,
      "The file's content did not match its hash: it is fetched again on the next sync."),
    Entry(
      "sync.slow-frame", .unavailable,
      "The link is too slow or stalled: check the network; the next sync resumes."),
    Entry(
      "sync.too-many-sessions", .unavailable, "Wait for the peer's open sessions to end, then sync again."),
    // Sockets.
    Entry(
      "net.cannot-listen", .unavailable,
      "Choose another --listen address or port, or stop the program that holds it ('ss -ltnp' shows it)."),
    Entry(
      "net.cannot-connect", .unavailable,
      "Check the peer's address ('liandong peer list'), that 'liandong serve' runs there, and the network between."
    ),
    // TLS.
    Entry(
      "tls.configuration", .invalidInput,
      "Check ca.pem, node.pem and node.key: 'liandong serve --check-config' explains each."),
    Entry(
      "tls.handshake-failed", .forbidden,
      "The peer's certificate or this one was refused: check both against the CA and the CRL."),
    Entry(
      "tls.handshake-timeout", .unavailable,
      "The peer did not finish the handshake in time: check the network."),
    Entry("tls.handshake-too-large", .invalidInput, "The peer sent an oversized handshake: it is refused."),
    Entry(
      "tls.idle-timeout", .unavailable, "The connection was idle too long: the next sync opens a new one."),
    Entry(
      "tls.peer-identity", .forbidden,
      "The peer's certificate must name a node (SAN URI urn:liandong:node:ID)."),
    Entry("tls.peer-not-allowed", .forbidden, "Add the node to serve's --allow list, or remove the list."),
    Entry(
      "tls.unexpected-peer", .forbidden,
      "The address answers as another node: correct it with 'liandong peer add'."),
    Entry("tls.protocol-error", .invalidInput, "The peer broke TLS 1.3: check that it is a liandong node."),
    Entry("tls.unclean-shutdown", .unavailable, "The peer closed without notice: the next sync resumes."),
    // Whatever nothing above names.
    Entry("internal.unexpected", .internal, reportDefect, internalOnly: true),
  ]
}
