import Foundation
import LiandongApp

/// doctor's findings in Chinese, worded from the reading's values. What a node or peer wrote
/// (a refusal's message, a peer's error, SQLite's findings) is quoted as it came, as the error
/// pages quote a refusal's detail; times are China time.
enum DoctorPhrases {
  static func message(_ reading: DoctorReading, check: String) -> String {
    let certificate = check == "tls-certificate" ? "本节点 TLS 证书（tls.pem）" : "本节点证书"
    switch reading {
    case .unreadable(let part, _, let message):
      switch part {
      case .dataFolder: return "数据目录无法打开：\(message)"
      case .identityFiles: return "CA、吊销列表或证书文件无法读取：\(message)"
      case .calendar: return "工作日历无法读取：\(message)"
      case .tlsCertificate: return "\(certificate)无法读取：\(message)"
      case .database: return "数据库无法读取：\(message)"
      case .tlsContext: return "无法建立 TLS 连接配置：\(message)"
      case .evidenceStore: return "存放证据文件的对象存储无法使用：\(message)"
      }
    case .configNotJSON(let path): return "\(path) 不是 JSON 对象"
    case .configUnknownKeys(let keys): return "node.json 中有节点不识别的配置项：\(keys.joined(separator: "、"))"
    case .configKnown: return "node.json 中的配置项均可识别"
    case .certificateInvalid(let problem): return "\(certificate)无效：\(problem)"
    case .certificateExpires(let notAfter, let now):
      return "\(certificate)可链接到 CA、未被吊销，有效期至 \(time(notAfter))（\(left(notAfter, now))）"
    case .crlMissing: return "未安装证书吊销列表：在安装之前，已吊销的证书仍被信任"
    case .crlIssuedInFuture(let issued, let now):
      return "吊销列表的签发时间 \(time(issued)) 晚于本机时间 \(time(now))"
    case .crlWithoutNextUpdate: return "吊销列表未写明下次更新时间，无从得知何时失效"
    case .crlExpired(let nextUpdate, let now):
      return "吊销列表已于 \(time(nextUpdate)) 过期（\(left(nextUpdate, now))）：所有对端与本节点的 TLS 握手都会失败"
    case .crlCurrent(let nextUpdate, let now):
      return "吊销列表有效期至 \(time(nextUpdate))（\(left(nextUpdate, now))）"
    case .clockNotBehindLog: return "本机时钟不早于本节点持有的任何变更"
    case .clockBehindLog(let now, let newest):
      return "本机时钟（\(time(now))）早于本节点持有的最新变更（\(time(newest))）"
    case .clockAgrees(let peer, let within):
      return "本机时钟与 \(peer) 相差不超过 "
        + (within < 1
          ? "\(DoctorReading.milliseconds(within, roundingUp: true)) 毫秒"
          : "\(DoctorReading.seconds(within)) 秒")
    case .clockOffset(let peer, let offset, let uncertainty, let allowed):
      let direction = offset > 0 ? "慢" : "快"
      var text =
        "本机时钟比 \(peer) \(direction) \(DoctorReading.seconds(abs(offset))) 秒（误差 ± \(DoctorReading.seconds(uncertainty)) 秒）"
      if let allowed {
        text +=
          "，超过节点间允许的 \(allowed) 秒："
          + (offset > 0 ? "来自 \(peer) 的变更被视为来自未来，在本节点被拒收" : "\(peer) 将本节点的变更视为来自未来而拒收")
      }
      return text
    case .clockNotTold(let peer): return "\(peer) 未告知其时钟（其 liandong 版本较旧）"
    case .disk(let path, let free, let total, let critical):
      return
        "\(path) 所在文件系统剩余 \(DoctorReading.bytes(free))，共 \(DoctorReading.bytes(total))（\(DoctorReading.percent(free, of: total)) %）"
        + (critical ? "：写入和证据文件获取即将或已经失败" : "")
    case .diskUnexaminable(let path, let reason): return "无法检查 \(path) 所在文件系统：\(reason)"
    case .databasePasses: return "数据库通过 SQLite 快速完整性检查"
    case .databaseDamaged(let problems):
      return "数据库已损坏：" + problems.prefix(3).joined(separator: "；")
        + (problems.count > 3 ? "；另有 \(problems.count - 3) 处" : "")
    case .hubDatabaseAnswers(let location, let steps):
      return "PostgreSQL 数据库有应答（\(location)），数据库结构完整（\(steps) 步）"
    case .hubDatabaseIncomplete(let location, let problems):
      return "PostgreSQL 数据库（\(location)）：" + problems.joined(separator: "；")
    case .hubEvidenceOnDisk:
      return "变更日志在 PostgreSQL 中，证据文件却在本机磁盘（blobs/）上：本枢纽在其他机器上的服务进程找不到这些文件"
    case .hubPasswordReadable(let path): return "\(path) 的 store 地址中含数据库口令，且其他用户可读该文件"
    case .calendarCovers(let source, let years): return covers(source, years)
    case .calendarNotToday(let source, let years, let today, _):
      return covers(source, years) + "，不含今天（\(today)）：任何期限都无法计算"
    case .calendarEndsSoon(let source, let years, let daysLeft, _):
      return covers(source, years) + "：截止于 \(years.upperBound + 1) 年及以后的期限无法计算（还剩 \(daysLeft) 天）"
    case .evidenceDamaged(let sampled, let damaged):
      return "重新读取的 \(sampled) 个证据文件中有 \(damaged.count) 个与记录的哈希值不符或已丢失："
        + damaged.prefix(3).map { String($0.prefix(16)) }.joined(separator: "、")
    case .evidenceAwaitingRepair(let count): return "此前发现损坏的 \(count) 个证据文件尚未重新获取"
    case .evidenceNoneHeld: return "尚未持有证据文件"
    case .evidenceNoneSampled: return "未抽查证据文件（--sample 0）"
    case .evidenceMatches(let sampled, let held):
      return "抽查 \(held) 个证据文件中的 \(sampled) 个，均与记录的哈希值相符"
    case .evidenceStoreAnswers(let location): return "存放证据文件的对象存储有应答（\(location)）"
    case .peerUntrusted(let peer, let address, let error): return "\(peer)（\(address)）不被信任：\(error)"
    case .peerUnreachable(let peer, let address, let error): return "无法连接 \(peer)（\(address)）：\(error)"
    case .peerAnswers(let peer, let address, let roundTrip):
      return "\(peer)（\(address)）有应答且受信任"
        + (roundTrip.map { "（往返 \(DoctorReading.milliseconds($0)) 毫秒）" } ?? "")
    case .noPeers: return "未配置对端节点：本节点不与任何地区共享"
    case .catchUp(let waiting):
      return "本节点由备份恢复，须先与 \(waiting.joined(separator: "、")) 同步后才能写入"
    case .ownChangesMissing(let message): return "本节点签发的变更有缺失：\(message)"
    case .forksUndecided(let count, let quarantined):
      return "\(count) 处分叉尚未裁决，暂扣其变更的来源："
        + (quarantined.isEmpty ? "无" : quarantined.joined(separator: "、"))
    case .forksDecided(let count): return "\(count) 处分叉，均已由联邦主管方裁决"
    case .systemdAbsent: return "本机未由 systemd 管理"
    case .systemctlUnavailable: return "无法运行 systemctl，或其无法连接 systemd"
    case .unitInactive(let unit, let state): return "\(unit) 的状态为 \(state)"
    case .unitActive(let unit): return "\(unit) 正在运行"
    }
  }

  /// What to do, in Chinese, for a finding that has a remedy; nil leaves the node's own wording
  /// (a refusal whose code has no Chinese remedy).
  static func remedy(_ reading: DoctorReading) -> String? {
    switch reading {
    case .unreadable(_, let code, _): ErrorPhrases.remedies[code]
    case .configNotJSON: "请从最近的备份恢复 node.json，或手工修正（见 Deploy/README.md“Configuration”一节）。"
    case .configUnknownKeys:
      "请修正这些配置项的拼写或删除它们；“liandong serve --check-config”会列出节点识别的配置项及每项设置的来源。"
    case .certificateInvalid, .certificateExpires:
      "请向联邦 CA 申请新证书，并用“liandong cert rotate”安装（见 Deploy/README.md“Renewals”一节）。"
    case .crlMissing, .crlWithoutNextUpdate, .crlExpired, .crlCurrent:
      "请向联邦 CA 索取新的吊销列表（liandong-pki crl），在本控制台“本节点”页或用“liandong crl install 文件”安装（见 Deploy/README.md“Renewals”一节）。"
    case .crlIssuedInFuture, .clockBehindLog, .clockOffset:
      "请校准本机时钟（systemd-timesyncd 或 chrony，对准本局 NTP 服务器），然后重新运行诊断。"
    case .disk:
      "请清理该文件系统的空间，或将数据目录迁移到更大的文件系统（停止节点，移动目录，再以 --data 新目录 启动）。"
    case .diskUnexaminable: "请确认数据目录存在，且运行节点的用户可以读取。"
    case .databaseDamaged:
      "请停止节点，保留已损坏的目录以备调查，并用“liandong restore”将最近的备份恢复到新目录：恢复后的节点会从对端取回此后签发或收到的全部变更（见 Deploy/README.md 第 5 节）。"
    case .hubDatabaseIncomplete:
      "请以数据库属主身份运行一次“liandong doctor”或“liandong serve”，让节点补齐数据库结构；若节点的数据库用户无权建表，请由属主授权（见 Deploy/README.md 第 11 节）。"
    case .hubEvidenceOnDisk:
      "若本枢纽只在这一台机器上运行服务进程，可保持现状；若要在多台机器上运行，请在 node.json 中设置“evidenceStore”，把证据文件放入对象存储（见 Deploy/README.md 第 10 节）。"
    case .hubPasswordReadable(let path):
      "请执行“chmod 600 \(path)”，或将口令从 store 地址中移到节点运行用户的 ~/.pgpass（见 Deploy/README.md 第 11 节）。"
    case .calendarNotToday(_, _, _, let year), .calendarEndsSoon(_, _, _, let year):
      "请按国务院办公厅通知，将 \(year) 年的法定节假日和调休上班日加入日历文件副本，在 node.json 的“calendar”中指定该文件（见 Deploy/README.md 第 8 节），然后重启节点。"
    case .evidenceDamaged:
      "请运行核验（本节点页“核验”，勾选证据文件）：它读取每个文件，将损坏的移到 blobs/damaged/ 并从对端重新获取；然后检查磁盘。"
    case .evidenceAwaitingRepair: "请保持本节点与持有这些文件的对端同步（“liandong evidence show 编号”会列出每个文件的持有方）。"
    case .peerUntrusted:
      "请确认双方节点都安装了联邦现行的 CA 和吊销列表，且双方证书均未被吊销或过期。"
    case .peerUnreachable(let peer, _, _):
      "请核对地址（本节点页的对端列表）、网络和防火墙，并询问 \(peer) 的运维人员其节点是否在运行；本节点照常工作，对端恢复应答后会自动追赶。"
    case .noPeers: "请在本节点页添加各对端节点（节点标识和“主机:端口”）。"
    case .catchUp:
      "请与这些对端同步（liandong sync --all）；若某个对端已永久下线，使用“liandong sync --accept-fork-risk”（见 Deploy/README.md 第 5 节）。"
    case .ownChangesMissing:
      "请与持有这些变更的对端同步（liandong sync --all）：变更取回后节点即可写入。若已无节点持有，可用“liandong sync --all --accept-fork-risk”承担分叉风险。"
    case .forksUndecided:
      "某个来源在同一序号签发了两个不同的变更，“liandong fork list”可列出二者。请其运维人员查明原因：若是恢复了备份或回滚了快照，由该运维人员在分叉节点上用“liandong fork keep 变更”裁定保留哪一个；若密钥可能被盗，须吊销其证书，由联邦 CA 的运维人员在含“forks”的清单中裁决（见 Deploy/README.md、RELIABILITY.md）。"
    case .unitInactive(let unit, _):
      "请用“journalctl -u \(unit) -n 50”查看原因，修复后执行“systemctl restart \(unit)”。"
    case .systemctlUnavailable: "若要在此查看该单元的状态，请安装 D-Bus（apt install dbus），或以 root 身份运行“liandong doctor”。"
    case .configKnown, .clockNotBehindLog, .clockAgrees, .clockNotTold, .databasePasses, .hubDatabaseAnswers,
      .calendarCovers,
      .evidenceNoneHeld, .evidenceNoneSampled, .evidenceMatches, .evidenceStoreAnswers, .peerAnswers,
      .forksDecided, .systemdAbsent, .unitActive:
      nil
    }
  }

  private static func covers(_ source: String, _ years: ClosedRange<Int>) -> String {
    "工作日历（\(source == "built in" ? "内置" : source)）涵盖 \(years.lowerBound)–\(years.upperBound) 年"
  }

  private static func time(_ date: Date) -> String { Shown.chinaTime(date) + "（北京时间）" }

  /// How far `date` is from `now`: 还有 12 天, 已过 3 天, 还有 5 小时.
  private static func left(_ date: Date, _ now: Date) -> String {
    let interval = date.timeIntervalSince(now)
    let (days, hours) = DoctorReading.wholeDays(interval)
    let amount = days >= 1 ? "\(days) 天" : "\(hours) 小时"
    return interval >= 0 ? "还有 \(amount)" : "已过 \(amount)"
  }
}
