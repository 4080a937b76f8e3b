import Foundation
import LiandongCrypto
import Testing

@testable import LiandongCore
@testable import LiandongStore

/// SM2 and SM3 (`CryptoSuite.sm`) through the system OpenSSL, cross-checked against
/// implementations nobody here wrote: the `openssl` tool and the pure-Python `gmssl` package
/// (PyPI). A federation on the national algorithms depends on every signature being one that a
/// regulator's own tools accept, with GM/T 0009's distinguishing ID.
@Suite("National algorithms: SM2 and SM3")
struct NationalAlgorithmTests {
  static let gmsslInstalled =
    (try? run("/usr/bin/env", ["python3", "-c", "import gmssl.sm2"]))?.status == 0
  static let distid = SM2.distinguishingID

  @Test("SM3 gives GB/T 32905's test vectors, in one piece and streamed")
  func sm3Vectors() {
    #expect(
      DigestAlgorithm.sm3.hash(Data("abc".utf8)).hex
        == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    let sixtyFour = Data(String(repeating: "abcd", count: 16).utf8)
    #expect(
      DigestAlgorithm.sm3.hash(sixtyFour).hex
        == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
    let hasher = DigestAlgorithm.sm3.hasher()
    hasher.update(sixtyFour.prefix(7))
    hasher.update(sixtyFour.dropFirst(7))
    #expect(hasher.finalize() == DigestAlgorithm.sm3.hash(sixtyFour))
    #expect(CryptoSuite.sm.digest == .sm3 && CryptoSuite.p256.digest == .sha256)
  }

  @Test("an SM2 key signs and verifies; a changed message or signature fails")
  func sm2SignVerify() throws {
    let key = try PrivateKey.generate(.sm2)
    #expect(key.algorithm == .sm2)
    let message = Data("线索 1".utf8)
    var signature = try key.sign(message)
    let publicKey = try key.publicKey()
    #expect(publicKey.algorithm == .sm2)
    #expect(publicKey.isValidSignature(signature, for: message))
    #expect(SignatureVerifier(publicKey).isValidSignature(signature, for: message))
    #expect(!publicKey.isValidSignature(signature, for: Data("线索 2".utf8)))
    signature[signature.count / 2] ^= 0x01
    #expect(!publicKey.isValidSignature(signature, for: message))
  }

  @Test("the openssl tool verifies our SM2 signatures; ours verify its, and only with the right ID")
  func openSSLCrossCheck() throws {
    let folder = temporaryDirectory("sm2-openssl")
    let key = try PrivateKey.generate(.sm2)
    let keyFile = folder.appendingPathComponent("k.pem"), publicFile = folder.appendingPathComponent("p.pem")
    try key.pemPKCS8().write(to: keyFile)
    try key.publicKey().pem().write(to: publicFile)
    let message = folder.appendingPathComponent("m"), ours = folder.appendingPathComponent("ours.sig")
    try Data("委托调查 2026-12".utf8).write(to: message)
    try key.sign(Data(contentsOf: message)).write(to: ours)

    func pkeyutl(_ arguments: [String]) throws -> ProcessResult {
      try run("openssl", ["pkeyutl", "-rawin", "-digest", "sm3"] + arguments)
    }
    let verified = try pkeyutl([
      "-verify", "-pubin", "-inkey", publicFile.path, "-pkeyopt", "distid:\(Self.distid)", "-in",
      message.path,
      "-sigfile", ours.path,
    ])
    #expect(verified.status == 0, "openssl refused our signature: \(verified)")
    let otherID = try pkeyutl([
      "-verify", "-pubin", "-inkey", publicFile.path, "-pkeyopt", "distid:1234567812345679", "-in",
      message.path,
      "-sigfile", ours.path,
    ])
    #expect(otherID.status != 0, "a signature must not verify under another distinguishing ID")

    let publicKey = try key.publicKey()
    for (id, valid) in [(Self.distid, true), ("1234567812345679", false), ("", false), (nil, false)] {
      let theirs = folder.appendingPathComponent("theirs.sig")
      let idOption = id.map { ["-pkeyopt", "distid:\($0)"] } ?? []
      let signed = try pkeyutl(
        ["-sign", "-inkey", keyFile.path, "-in", message.path, "-out", theirs.path] + idOption)
      guard signed.status == 0 else {
        // OpenSSL refuses an empty ID outright: nothing signed, nothing to check.
        #expect(id == "", "openssl could not sign with ID \(id ?? "none"): \(signed)")
        continue
      }
      let accepted = publicKey.isValidSignature(
        try Data(contentsOf: theirs), for: try Data(contentsOf: message))
      #expect(accepted == valid, "ID \(id.map { "'\($0)'" } ?? "left to OpenSSL's default")")
    }
  }

  @Test(
    "gmssl (pure Python) verifies our SM2 signatures and certificates, and we verify its signatures",
    .enabled(
      if: gmsslInstalled || ProcessInfo.processInfo.environment["CI"] == "true",
      "gmssl is not installed (scripts/ensure-deps installs it)"))
  func gmsslCrossCheck() throws {
    let federation = try TestFederation(label: "sm-gmssl", key: "sm2")
    try federation.issue("yrd")
    let folder = temporaryDirectory("sm2-gmssl")
    let key = try federation.key("yrd")
    let message = Data("问题线索: 假冒检验报告".utf8)
    try message.write(to: folder.appendingPathComponent("m"))
    try key.sign(message).write(to: folder.appendingPathComponent("ours.sig"))
    let script = """
      import subprocess, sys, binascii
      from gmssl import sm2
      from Cryptodome.Util.asn1 import DerSequence, DerBitString
      folder, key_pem, leaf_pem, ca_pem = sys.argv[1:5]

      def key_hex(pem, private):
          text = subprocess.run(["openssl", "pkey", "-in", pem, "-noout", "-text"] + ([] if private else ["-pubin"]),
                                capture_output=True, text=True, check=True).stdout
          parts, current = {}, None
          for line in text.splitlines():
              if line.strip().endswith(":") and not line.startswith(" "):
                  current = line.strip()[:-1]; parts[current] = ""
              elif current and line.startswith(" "):
                  parts[current] += line.strip().replace(":", "")
          return parts["priv"] if private else parts["pub"][2:]  # drop the 04 of an uncompressed point

      def signer(public_hex, private_hex=""):
          crypt = sm2.CryptSM2(private_key=private_hex, public_key="00", asn1=True)
          crypt.public_key = public_hex  # its constructor's lstrip("04") can eat the key's digits
          return crypt

      def ca_public():
          pub = subprocess.run(["openssl", "x509", "-in", ca_pem, "-pubkey", "-noout"],
                               capture_output=True, text=True, check=True).stdout
          open(folder + "/ca.pub", "w").write(pub)
          return key_hex(folder + "/ca.pub", False)

      message = open(folder + "/m", "rb").read()
      public = subprocess.run(["openssl", "pkey", "-in", key_pem, "-pubout"], capture_output=True, text=True, check=True).stdout
      open(folder + "/yrd.pub", "w").write(public)
      ours = signer(key_hex(folder + "/yrd.pub", False))
      assert ours.verify_with_sm3(open(folder + "/ours.sig", "rb").read().hex(), message), "our signature"
      assert not ours.verify_with_sm3(open(folder + "/ours.sig", "rb").read().hex(), message + b"!"), "altered"

      # The certificate: the CA's SM2 signature over its to-be-signed bytes, with the ID.
      der = subprocess.run(["openssl", "x509", "-in", leaf_pem, "-outform", "DER"], capture_output=True, check=True).stdout
      certificate = DerSequence().decode(der)
      tbs, signature = certificate[0], DerBitString().decode(certificate[2]).value
      assert signer(ca_public()).verify_with_sm3(signature.hex(), tbs), "the certificate's signature"

      # gmssl signs; the Swift side verifies.
      theirs = signer(key_hex(folder + "/yrd.pub", False), key_hex(key_pem, True))
      open(folder + "/theirs.sig", "wb").write(binascii.a2b_hex(theirs.sign_with_sm3(message)))
      print("ok")
      """
    let files = federation.files("yrd")
    let result = try run(
      "/usr/bin/env",
      ["python3", "-c", script, folder.path, files.key.path, files.certificate.path, federation.caURL.path])
    try #require(result.status == 0 && result.stdout.contains("ok"), "gmssl: \(result)")
    let theirs = try Data(contentsOf: folder.appendingPathComponent("theirs.sig"))
    let publicKey = try key.publicKey()
    #expect(publicKey.isValidSignature(theirs, for: message))
    #expect(!publicKey.isValidSignature(theirs, for: message + Data("!".utf8)))
  }

  @Test(
    "SM2 certificates chain to an SM2 CA, with SM3 fingerprints; revoked ones and altered CRLs are refused")
  func certificatesAndCRLs() throws {
    let federation = try TestFederation(label: "sm-certs", key: "sm2")
    try federation.issue("yrd")
    try federation.issue("jjj")
    let trust = try federation.trust()
    #expect(trust.suite == .sm)
    let chain = try federation.chain("yrd")
    #expect(chain[0].signatureSuite == .sm)
    #expect(try chain[0].publicKey().algorithm == .sm2)
    let printed = try run(
      "openssl", ["x509", "-in", federation.files("yrd").certificate.path, "-noout", "-fingerprint", "-sm3"])
    #expect(
      printed.stdout.replacingOccurrences(of: ":", with: "").lowercased().contains(chain[0].fingerprint.hex),
      "fingerprint \(chain[0].fingerprint.hex) vs openssl: \(printed.stdout)")
    try trust.verify(chain: chain, at: Date())
    let tls = try Certificate.chain(
      pem: Data(contentsOf: federation.directory.appendingPathComponent("nodes/yrd.tls.pem")))
    #expect(try tls[0].publicKey().algorithm == .ecdsaP256)
    try trust.verify(chain: tls, at: Date())

    // A certificate another SM2 CA issued does not chain, though its algorithms are right.
    let stranger = try TestFederation(label: "sm-stranger", key: "sm2")
    try stranger.issue("yrd")
    #expect(throws: CryptoError.self) { try trust.verify(chain: stranger.chain("yrd"), at: Date()) }

    try federation.revoke("yrd")
    try federation.publishCRL()
    let revoked = try federation.trust()
    #expect(throws: CryptoError.self) { try revoked.verify(chain: chain, at: Date()) }
    #expect(throws: CryptoError.self) { try revoked.verify(chain: tls, at: Date()) }
    try revoked.verify(chain: federation.chain("jjj"), at: Date())

    // One byte changed in the CRL's revoked serials (inside what the CA signed) or in its
    // signature: the list is refused, never trusted.
    let der = revoked.revocationLists[0].der
    let serial = try #require(der.firstRange(of: Data([0x02, 0x02, 0x10, 0x00])))
    for offset in [serial.upperBound - 1, der.count - 5] {
      var altered = der
      altered[offset] ^= 0x01
      let pem =
        "-----BEGIN X509 CRL-----\n\(altered.base64EncodedString(options: .lineLength64Characters))\n-----END X509 CRL-----\n"
      #expect(throws: CryptoError.self, "byte \(offset) altered") {
        try TrustAnchor(caPEM: federation.caPEM, crlPEM: Data(pem.utf8))
      }
    }
  }

  @Test("a change in the sm suite: SM3 identity and body hash, SM2 signature, refused by a P-256 federation")
  func changeInSMSuite() throws {
    let federation = try TestFederation(label: "sm-change", key: "sm2", madeOn: Self.dayAgo)
    try federation.issue("yrd")
    let chain = try federation.chain("yrd")
    let author = ChangeAuthor(
      origin: try NodeID("yrd"), key: try federation.key("yrd"), certificateFingerprint: chain[0].fingerprint)
    let body = ChangeBody(
      officer: "张警官",
      operations: [
        DomainOperation(objectID: ObjectID(), action: .announceNode(certificateChain: chain.map(\.der)))
      ])
    let now = UInt64(Date().timeIntervalSince1970 * 1000)
    let change = try author.sign(
      body: body, audience: .all, after: nil, time: HLCTimestamp(wallMillis: now, counter: 0))
    #expect(change.header.suite == .sm)
    #expect(change.id.bytes == DigestAlgorithm.sm3.hash(change.headerBytes))
    #expect(change.header.bodySHA256 == DigestAlgorithm.sm3.hash(try #require(change.body)))
    let decoded = try SignedChange(
      headerBytes: change.headerBytes, signature: change.signature, body: change.body)
    #expect(decoded.header.suite == .sm && decoded.id == change.id)

    let context = IngestContext(
      receiver: try NodeID("jjj"), held: nil, predecessor: nil, heldThrough: 0, signers: [:],
      quarantined: false,
      physicalMillis: now)
    guard case .store = ChangeVerifier(trust: try federation.trust()).decide(change, context) else {
      Issue.record("an sm federation refused its own node's change")
      return
    }
    let classic = try TrustAnchor(caPEM: TestFederation.shared.caPEM, crlPEM: TestFederation.shared.crlPEM)
    guard case .refuse(let refusal) = ChangeVerifier(trust: classic).decide(change, context) else {
      Issue.record("a P-256 federation stored a change of the sm suite")
      return
    }
    #expect(refusal.code == "change.suite-not-allowed")
  }

  @Test("a chain through an SM2 intermediate CA verifies; one whose intermediate another CA signed does not")
  func intermediate() throws {
    let federation = try TestFederation(label: "sm-intermediate", key: "sm2")
    let folder = temporaryDirectory("sm-intermediate")
    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    func openssl(_ arguments: [String]) throws {
      let result = try run("openssl", arguments)
      guard result.status == 0 else {
        throw TestFailure("openssl \(arguments.joined(separator: " ")): \(result)")
      }
    }
    let id = "distid:\(Self.distid)"
    try "basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n".write(
      toFile: path("ca.ext"), atomically: true, encoding: .utf8)
    try
      "subjectAltName=URI:urn:liandong:node:yrd\nbasicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n"
      .write(toFile: path("leaf.ext"), atomically: true, encoding: .utf8)
    // The intermediate: an SM2 key, certified by the federation's SM2 CA.
    try openssl(["genpkey", "-algorithm", "SM2", "-out", path("int.key")])
    try openssl([
      "req", "-new", "-key", path("int.key"), "-sm3", "-sigopt", id, "-subj", "/CN=Provincial CA", "-out",
      path("int.csr"),
    ])
    try openssl([
      "x509", "-req", "-in", path("int.csr"), "-CA", federation.caURL.path, "-CAkey",
      federation.directory.appendingPathComponent("ca.key").path, "-CAcreateserial", "-sm3", "-sigopt", id,
      "-vfyopt", id, "-days", "30", "-extfile", path("ca.ext"), "-out", path("int.pem"),
    ])
    // The leaf, certified by the intermediate.
    try openssl(["genpkey", "-algorithm", "SM2", "-out", path("leaf.key")])
    try openssl([
      "req", "-new", "-key", path("leaf.key"), "-sm3", "-sigopt", id, "-subj", "/CN=yrd", "-out",
      path("leaf.csr"),
    ])
    try openssl([
      "x509", "-req", "-in", path("leaf.csr"), "-CA", path("int.pem"), "-CAkey", path("int.key"),
      "-CAcreateserial",
      "-sm3", "-sigopt", id, "-vfyopt", id, "-days", "30", "-extfile", path("leaf.ext"), "-out",
      path("leaf.pem"),
    ])
    let leaf = try Certificate.chain(pem: Data(contentsOf: URL(fileURLWithPath: path("leaf.pem"))))
    let intermediate = try Certificate.chain(pem: Data(contentsOf: URL(fileURLWithPath: path("int.pem"))))
    let trust = try TrustAnchor(caPEM: federation.caPEM)
    try trust.verify(chain: leaf + intermediate, at: Date())
    #expect(throws: CryptoError.self, "without its intermediate") {
      try trust.verify(chain: leaf, at: Date())
    }
    let stranger = try TestFederation(label: "sm-intermediate-other", key: "sm2")
    #expect(throws: CryptoError.self, "under another CA") {
      try TrustAnchor(caPEM: stranger.caPEM).verify(chain: leaf + intermediate, at: Date())
    }

    // An evidence bundle's verify.sh checks the same chain with the openssl tool alone, link by
    // link; one command with the intermediate as untrusted (as for P-256) cannot.
    let bundle = temporaryDirectory("sm-intermediate-bundle")
    let certs = bundle.appendingPathComponent("certs")
    try FileManager.default.createDirectory(at: certs, withIntermediateDirectories: true)
    func place(_ source: String, as name: String) throws {
      try? FileManager.default.removeItem(at: certs.appendingPathComponent(name))
      try FileManager.default.copyItem(atPath: source, toPath: certs.appendingPathComponent(name).path)
    }
    try place(federation.caURL.path, as: "ca.pem")
    try place(path("int.pem"), as: "yrd-intermediate-1.pem")
    try place(path("leaf.pem"), as: "yrd.pem")
    let now = UInt64(Date().timeIntervalSince1970)
    let signer = EvidenceBundle.SignerCheck(
      leaf: "certs/yrd.pem", intermediates: "certs/yrd-intermediate-1.pem",
      intermediateFiles: ["certs/yrd-intermediate-1.pem"], serial: leaf[0].serialHex, signed: now...now)
    func script(_ command: String) throws -> ProcessResult {
      try run("/bin/sh", ["-c", "cd '\(bundle.path)' && \(command)"])
    }
    let linked = try script(EvidenceBundle.certificateCheck(signer, at: now, sm: true))
    #expect(linked.status == 0, "\(linked)")
    #expect(
      try script(EvidenceBundle.certificateCheck(signer, at: now + 40 * 86_400, sm: true)).status != 0,
      "after the certificates expired")
    let untrusted =
      "openssl verify -vfyopt \(id) -attime \(now) -CAfile certs/ca.pem -untrusted certs/yrd-intermediate-1.pem certs/yrd.pem"
    #expect(try script(untrusted).status != 0, "OpenSSL 3.0 gives the ID to the leaf alone")
    try place(stranger.caURL.path, as: "ca.pem")
    #expect(
      try script(EvidenceBundle.certificateCheck(signer, at: now, sm: true)).status != 0, "under another CA")
  }

  @Test("a node's TLS key, though the SM2 CA certified it, cannot sign a change of the sm suite")
  func tlsKeyCannotSign() throws {
    let federation = try TestFederation(label: "sm-tls-signer", key: "sm2", madeOn: Self.dayAgo)
    try federation.issue("yrd")
    let tlsFile = federation.directory.appendingPathComponent("nodes/yrd.tls")
    let chain = try Certificate.chain(pem: Data(contentsOf: URL(fileURLWithPath: tlsFile.path + ".pem")))
    let key = try PrivateKey(pem: Data(contentsOf: URL(fileURLWithPath: tlsFile.path + ".key")))
    let body = WireCoding.encodeBody(
      ChangeBody(
        officer: "o",
        operations: [
          DomainOperation(objectID: ObjectID(), action: .announceNode(certificateChain: chain.map(\.der)))
        ]
      ))
    let now = UInt64(Date().timeIntervalSince1970 * 1000)
    let header = ChangeHeader(
      suite: .sm, origin: try NodeID("yrd"), sequence: 1, previous: nil,
      time: HLCTimestamp(wallMillis: now, counter: 0),
      audience: .all, bodySHA256: DigestAlgorithm.sm3.hash(body), bodySize: UInt64(body.count),
      signerSHA256: chain[0].fingerprint)
    let headerBytes = WireCoding.encodeHeader(header)
    let change = try SignedChange(headerBytes: headerBytes, signature: try key.sign(headerBytes), body: body)
    let context = IngestContext(
      receiver: try NodeID("jjj"), held: nil, predecessor: nil, heldThrough: 0, signers: [:],
      quarantined: false,
      physicalMillis: now)
    guard case .refuse(let refusal) = ChangeVerifier(trust: try federation.trust()).decide(change, context)
    else {
      Issue.record("a change signed with a TLS key was stored")
      return
    }
    #expect(refusal.code == "change.suite-mismatch", "\(refusal)")
  }

  static let dayAgo: String = {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: Date().addingTimeInterval(-86_400))
  }()
}
