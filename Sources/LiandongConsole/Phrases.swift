import LiandongCore

/// The console's languages: Chinese first, English for a visitor who switches.
enum Language: String, CaseIterable {
  case zh = "zh-CN"
  case en = "en"

  static let cookie = "liandong_lang"

  init(cookie: String?) { self = cookie.flatMap(Language.init(rawValue:)) ?? .zh }

  var other: Language { self == .zh ? .en : .zh }

  /// Every phrase of the pages in this language, by key: what a template reads as `t.key`.
  var phrases: [String: String] {
    Phrases.table.mapValues { self == .zh ? $0.zh : $0.en }
  }

  func phrase(_ key: String) -> String {
    guard let entry = Phrases.table[key] else { return key }
    return self == .zh ? entry.zh : entry.en
  }

  /// A canonical value's name in this language (`forged-report` is 伪造检验检测报告).
  func label(_ value: String) -> String {
    guard let entry = Phrases.values[value] else { return value }
    return self == .zh ? entry.zh : entry.en
  }
}

enum Phrases {
  static let table: [String: (zh: String, en: String)] = [
    "brand": ("联动 · 执法协作", "Liandong"),
    "otherLanguageName": ("English", "中文"),
    "nav": ("导航", "Navigation"),
    "worklist": ("待办", "Worklist"),
    "leads": ("问题线索", "Leads"),
    "newLead": ("登记线索", "New lead"),
    "deadlines": ("期限", "Deadlines"),
    "node": ("本节点", "This node"),
    "logout": ("退出", "Log out"),
    "login": ("登录", "Log in"),
    "account": ("账号", "Account"),
    "password": ("密码", "Password"),
    "loginTitle": ("登录联动节点", "Log in to this Liandong node"),
    "loginHint": (
      "请使用本局管理员为您开设的账号。连续输错密码后需等待一段时间再试。",
      "Use the account your bureau's operator gave you. After repeated wrong passwords, wait before trying again."
    ),
    "toAcknowledge": ("待签收的线索", "Leads to acknowledge"),
    "nothingToAcknowledge": ("没有待签收的线索。", "No lead waits for acknowledgement."),
    "due": ("有期限的事项", "Items with a deadline"),
    "nothingDue": ("没有未结的期限事项。", "Nothing open has a deadline."),
    "kind": ("类别", "Kind"),
    "side": ("本方", "Our side"),
    "otherParty": ("对方", "Other party"),
    "state": ("状态", "State"),
    "deadline": ("期限", "Deadline"),
    "left": ("剩余工作日", "Working days left"),
    "from": ("来自", "From"),
    "subject": ("当事人", "Subject"),
    "summary": ("线索摘要", "Summary"),
    "risk": ("风险等级", "Risk"),
    "received": ("收到时间", "Received"),
    "created": ("登记时间", "Recorded"),
    "open": ("打开", "Open"),
    "search": ("搜索", "Search"),
    "searchHint": ("当事人名称、摘要或统一社会信用代码", "Subject name, summary or USCC"),
    "anyState": ("全部状态", "Any state"),
    "anyRisk": ("全部风险等级", "Any risk"),
    "recordedFrom": ("登记日期自", "Recorded from"),
    "recordedTo": ("至", "to"),
    "order": ("排序", "Order"),
    "next": ("下一页", "Next page"),
    "first": ("第一页", "First page"),
    "noLeads": ("没有符合条件的线索。", "No lead matches."),
    "origin": ("登记地", "Recorded by"),
    "owner": ("现主办地", "Owner"),
    "audience": ("共享范围", "Shared with"),
    "violations": ("违法情形", "Violations"),
    "uscc": ("统一社会信用代码", "USCC"),
    "platform": ("平台", "Platform"),
    "shopID": ("店铺编号", "Shop ID"),
    "url": ("网址", "URL"),
    "division": ("行政区划", "Division"),
    "handling": ("各地办理情况", "Handling by each region"),
    "bureau": ("办理地", "Bureau"),
    "outcome": ("结果", "Outcome"),
    "caseReference": ("案件编号", "Case reference"),
    "story": ("全程记录（跨地区）", "The case's story across regions"),
    "time": ("时间（北京时间）", "Time (China)"),
    "officer": ("经办人", "Officer"),
    "what": ("内容", "What"),
    "refusedByPeer": ("对方拒收的变更（按原因）", "Changes it refused (by code)"),
    "reachTitle": ("各地区到达情况", "Where this has reached"),
    "reachHint": (
      "逐条说明本对象的每项记录是否已到达其他节点；未到达的，说明原因。依据本节点的日志、对方自签的检查点和与对方最近一次同步。",
      "Change by change, whether each other node holds this object's records, and why not where it does not: from this node's log, the nodes' own signed checkpoints and the last sync with each."
    ),
    "reachAskNode": ("节点", "Node"),
    "reachAllNodes": ("全部其他节点", "Every other node"),
    "reachAsk": ("查询", "Ask"),
    "reachBack": ("返回", "Back"),
    "reachState": ("到达情况", "Reached?"),
    "reachSince": ("时间", "Since"),
    "reachArrived": ("已全部到达", "All arrived"),
    "reachMissing": ("项未到达", "not arrived"),
    "reachDetails": ("详情", "Details"),
    "reach:origin": ("由该节点发起", "Made there"),
    "reach:proven": ("已到达：其自签检查点证实持有", "Arrived: proven by its own signed checkpoint"),
    "reach:outside-audience": (
      "不在共享范围内：只收到签名头（存根），不含内容", "Outside the audience: it gets only the signed header, never the content"
    ),
    "reach:held-by-its-word": (
      "已到达：对方在同步中确认持有，尚无其自签检查点证实", "Arrived by its word in a sync; no checkpoint of its own proves it yet"
    ),
    "reach:refused": ("对方拒收", "Refused there"),
    "reach:sent-not-acknowledged": (
      "已发出，但同步中断、未获确认；下次同步重发",
      "Sent, but the sync ended before it was acknowledged; the next sync sends it again"
    ),
    "reach:content-not-held-here": (
      "本节点只持有其存根：内容由发起方或其他共享节点送达",
      "This node holds only its stub: the content reaches it from its origin or another node in its audience"
    ),
    "reach:not-yet-sent": ("尚未发出：下次与其同步时发送", "Not yet sent: the next sync with it carries it"),
    "reach:not-a-peer": (
      "非本节点的同步对象：经其他节点送达，尚无其检查点",
      "Not a peer of this node: it gets it through other nodes; no checkpoint of its own yet"
    ),
    "heldBy": ("已证实持有（节点自签检查点）", "Proven held by (the nodes' own signed checkpoints)"),
    "verified": ("签名与链已核验", "Signature and chain verified"),
    "refused": ("被规则拒绝", "Refused by the rules"),
    "stamped": (
      "签名所记时间（该节点时钟曾超前，已校正）", "Signed with the time (its node's clock had run ahead, since corrected)"
    ),
    "evidence": ("证据", "Evidence"),
    "noEvidence": ("尚无证据。", "No evidence yet."),
    "fileName": ("文件", "File"),
    "size": ("大小", "Size"),
    "download": ("下载", "Download"),
    "notHeld": ("本节点尚未收到文件", "this node does not hold the file yet"),
    "fileDamaged": (
      "本节点的文件副本已损坏，已隔离，正从其他节点重新获取",
      "this node's copy was found damaged: set aside, and being fetched again from a peer"
    ),
    "custody": ("保管链", "Chain of custody"),
    "acts": ("可办理的操作", "Acts open to you"),
    "noActs": ("您现在没有可办理的操作。", "No act is open to you now."),
    "act:acknowledge": ("签收", "Acknowledge"),
    "act:check": ("开始核查", "Start checking"),
    "act:decide": ("作出处理决定", "Decide"),
    "act:extend": ("延长期限（一次）", "Extend the period (once)"),
    "act:close": ("办结", "Close"),
    "act:withdraw": ("撤回", "Withdraw"),
    "act:merge": ("并入另一线索", "Merge into another lead"),
    "act:accept": ("接受办理", "Accept"),
    "act:complete": ("完成并反馈结果", "Complete with findings"),
    "act:complete-partly": ("部分完成并反馈", "Complete in part"),
    "act:decline": ("拒绝协助", "Decline"),
    "act:cancel": ("撤回请求", "Cancel the request"),
    "workingDays": ("延长的工作日数（1-30）", "Working days added (1-30)"),
    "findings": ("调查结果", "Findings"),
    "requests": ("协助调查", "Assistance requests"),
    "requestTitle": ("协助调查请求", "Assistance request"),
    "noRequests": ("没有协助调查请求。", "No assistance request."),
    "requester": ("请求方", "Requester"),
    "requested": ("被请求方", "Requested"),
    "tasks": ("协助事项", "Tasks"),
    "legalBasis": ("法律依据", "Legal basis"),
    "details": ("说明", "Details"),
    "wantedBy": ("希望完成日期", "Wanted by"),
    "sentOn": ("发出日期", "Sent on"),
    "extension": ("延期", "Extension"),
    "report": ("统计报表", "Report"),
    "trust": ("证书与吊销列表", "Certificate and CRL"),
    "certificateNotAfter": ("本节点证书到期", "This node's certificate expires"),
    "crlNextUpdate": ("吊销列表须更新于", "The CRL must be renewed by"),
    "days": ("天", "days"),
    "address": ("地址", "Address"),
    "lag": ("上次成功后新增的变更", "Changes since the last success"),
    "lastFailure": ("最近一次失败", "Last failure"),
    "noPeers": ("尚未配置对端节点。", "No peer is configured."),
    "forks": ("分叉与隔离", "Forks and quarantine"),
    "noForks": ("未发现分叉。", "No fork detected."),
    "forkChanges": ("两个变更", "The two changes"),
    "forkDecision": ("裁定", "Decision"),
    "forkKept": ("保留", "Stands:"),
    "forkByAuthority": ("（联盟裁定）", "(the federation authority)"),
    "forkByOrigin": ("（该节点运维裁定）", "(the origin's operator)"),
    "alertsAndConflicts": ("预警与冲突", "Warnings and conflicts"),
    "policeTransfers": ("移送公安", "Transfers to police"),
    "noPoliceTransfers": ("没有移送公安的案件。", "No transfer to police."),
    "case": ("案件", "Case"),
    "policeOffice": ("公安机关", "Police"),
    "reportedOn": ("报告日期", "Reported on"),
    "policeState:reported": ("待批准", "reported"), "policeState:approved": ("已批准", "approved"),
    "policeState:refused": ("不予批准", "refused"), "policeState:transferred": ("已移送", "transferred"),
    "policeState:police-accepted": ("公安已立案", "police accepted"),
    "policeState:police-declined": ("公安不予立案", "police declined"),
    "policeState:reconsideration": ("复议中", "reconsideration"), "policeState:closed": ("已结束", "closed"),
    "policeStep:approve": ("批准移送", "Approve"), "policeStep:refuse": ("不予批准", "Refuse"),
    "policeStep:transfer": ("已移送（填写回执）", "Transferred (the receipt)"),
    "policeStep:police-accepted": ("公安已立案", "Police accepted"),
    "policeStep:police-declined": ("公安不予立案", "Police declined"),
    "policeStep:reconsider": ("提请复议", "Ask for reconsideration"), "policeStep:close": ("结束", "Close"),
    "earlyWarnings": ("风险预警", "Early warnings"),
    "earlyWarningsHint": (
      "不同地区对同一当事人（统一社会信用代码，或平台与店铺）均有未办结线索。",
      "Open leads of different regions on the same subject (USCC, or platform and shop)."
    ),
    "leadColumn": ("线索", "Lead"),
    "otherLead": ("另一线索", "Other lead"),
    "noAlerts": ("没有预警。", "No warning."),
    "warnedBy": ("由该地区预警，本节点不可查看：", "Warned of by (not readable here):"),
    "unseenBy": ("对方看不到本节点线索：", "Cannot see the other lead:"),
    "regionsToWarn": ("看不到本节点线索、尚未预警的地区", "Regions that cannot see this node's lead and are not yet warned"),
    "warnRegions": (
      "向这些地区发送预警（仅含当事人与线索编号，不含线索内容）", "Warn them (the subject and the leads' IDs, not the lead's content)"
    ),
    "warningsSent": ("已发送预警：", "Warnings sent:"),
    "conflicts": ("冲突", "Conflicts"),
    "noConflicts": ("没有冲突。", "No conflict."),
    "object": ("对象", "Object"),
    "between": ("当事方", "Between"),
    "conflictingActs": ("同时作出、不能同时成立的行为", "Acts made at once that cannot both stand"),
    "resolveWith": ("解决方式", "Resolved with"),
    "conflictKind:request": ("协助调查", "Request"),
    "conflictKind:jurisdiction": ("管辖争议", "Jurisdiction"),
    "conflictKind:hand-off": ("案件移送", "Hand-off"),
    "forkKeepThis": ("保留此变更", "Keep this change"),
    "forkKeepHint": (
      "本节点链上的分叉由本节点运维裁定：保留确属本节点的那个变更，裁定后不可更改。若密钥可能被盗，请勿在此裁定：应吊销证书，由联盟裁定。",
      "A fork of this node's own chain is this node's operator's to decide: keep the change that is the node's own; the decision is final. If the key may be stolen, do not decide here: have the certificate revoked and let the federation authority decide."
    ),
    "forkContested": (
      "有争议：该节点密钥对两个变更都作了选择，须由联盟裁定", "Contested: the origin's key chose both; the authority decides"
    ),
    "forkUndecided": ("未裁定：该节点的新变更暂不合并", "Not decided: the origin's new changes are held back"),
    "supersededChanges": ("经裁定移出的变更（作为证据保存）", "Changes a decision took out of the log (kept as evidence)"),
    "withheldChanges": (
      "暂不生效的变更（证书已吊销，且无其他节点证明其吊销前已存在）",
      "Changes withheld (their certificate was revoked, and no other node shows them held before then)"
    ),
    "sequence": ("序号", "Sequence"),
    "detectedAt": ("发现时间", "Detected"),
    "quarantined": ("已隔离的节点", "Quarantined origins"),
    "store": ("本地数据", "This node's store"),
    "changes": ("变更数", "Changes"),
    "stubs": ("存根数", "Stubs"),
    "refusedOperations": ("被规则拒绝的操作", "Refused operations"),
    "evidenceHeld": ("已持有的证据文件", "Evidence files held"),
    "evidenceMissing": ("尚未收到的证据文件", "Evidence files not yet received"),
    "versionVector": ("各节点变更进度", "Version vector"),
    "heldChangesDigest": ("变更集摘要", "Digest of the changes held"),
    "accounts": ("账号管理", "Accounts"),
    "role": ("角色", "Role"),
    "tokens": ("有效令牌", "Active tokens"),
    "addAccount": ("新增账号", "Add an account"),
    "newPassword": ("新密码（至少10个字符）", "New password (10 characters or more)"),
    "manageAccount": ("修改账号", "Change an account"),
    "setPassword": ("设置密码", "Set the password"),
    "disableAccount": ("停用账号", "Disable the account"),
    "yes": ("已设置", "set"),
    "no": ("未设置", "not set"),
    "disabled": ("已停用", "disabled"),
    "blockedUntil": ("暂停登录至", "logins wait until"),
    "active": ("正常", "active"),
    "to": ("至", "To"),
    "show": ("显示", "Show"),
    "downloadCSV": ("下载 CSV", "Download CSV"),
    "figures": ("各项数据及其依据", "Each figure and its basis"),
    "item": ("项目", "Item"),
    "value": ("数值", "Value"),
    "basis": ("依据", "Basis"),
    "notRecorded": ("未记录", "not recorded"),
    "blankNotRecorded": ("____（未记录）", "____ (not recorded)"),
    "fromDate": ("自", "From"),
    "notRecordedHint": (
      "“未记录”的数据（下架信息数、罚款金额等）目前没有签名记录可供统计，不作推测。",
      "Figures marked \"not recorded\" (listings removed, fines) have no signed record to count yet, and are never guessed."
    ),
    "report:platforms involved": ("涉及网络交易平台（家）", "platforms involved"),
    "report:sellers whose qualification was verified": (
      "核验平台内经营者资质（家）", "sellers whose qualification was verified"
    ),
    "report:sellers dealt with": ("处置违法违规平台内经营者（家）", "sellers dealt with"),
    "report:listings removed": ("涉及销售信息（件）", "listings removed"),
    "report:false-advertising items removed": ("涉及虚假广告宣传（个）", "false-advertising items removed"),
    "report:cases of misused qualification or forged reports handled": (
      "查办冒用资质、伪造或变造报告案件（件）", "cases of misused qualification or forged reports handled"
    ),
    "report:entities punished, and total fines": ("处罚相关市场主体（家/个）及罚款总额", "entities punished, and total fines"),
    "report:cases transferred to public security": ("移送公安司法机关（件）", "cases transferred to public security"),
    "report:cases against inspection bodies": ("查办检验检测机构违法违规案件（件）", "cases against inspection bodies"),
    "act:handoff-offer": ("移送案件", "Hand the case off"),
    "act:handoff-accept": ("接受移送", "Accept the hand-off"),
    "act:handoff-object": ("对移送提出异议", "Object to the hand-off"),
    "act:handoff-withdraw": ("撤回移送", "Withdraw the hand-off"),
    "handOffTo": ("移送给", "Hand off to"),
    "letter": ("移送函内容", "Transfer letter"),
    "handOff": ("案件移送", "Hand-off"),
    "note": ("备注", "Note"),
    "reason": ("理由", "Reason"),
    "into": ("并入的线索编号", "Lead to merge into"),
    "newLeadTitle": ("登记问题线索", "Record a lead"),
    "subjectName": ("当事人名称", "Subject name"),
    "subjectKind": ("当事人类型", "Subject kind"),
    "sendTo": ("发送给", "Send to"),
    "sendToHint": (
      "不选择则仅本节点可见；选择“全部地区”则作为预警发给所有地区。",
      "Choose none to keep it on this node; \"all regions\" sends it to every region as a warning."
    ),
    "allRegions": ("全部地区（预警）", "All regions (warning)"),
    "screenshot": ("截图或其他证据文件（可选）", "Screenshot or other evidence file (optional)"),
    "record": ("登记", "Record"),
    "required": ("（必填）", "(required)"),
    "recorded": ("已登记并签名。", "Recorded and signed."),
    "actDone": ("已办理并签名。", "Done and signed."),
    "liveHint": ("本页会自动更新。", "This page updates itself."),
    "notFound": ("没有找到", "Not found"),
    "problemTitle": ("无法完成", "Could not be done"),
    "back": ("返回", "Back"),
    "role:officer": ("办案人员", "officer"),
    "role:supervisor": ("负责人", "supervisor"),
    "role:operator": ("运维人员", "operator"),
    "role:auditor": ("审计人员", "auditor"),
    "operatorNoCases": (
      "运维账号不能查看案件内容。请使用办案账号登录。",
      "An operator account sees no case content. Log in with an officer's account."
    ),
    "nodeStatus": ("节点状态", "Node status"),
    "peers": ("对端节点", "Peers"),
    "lastSuccess": ("最近一次成功同步", "Last successful sync"),
    "never": ("从未", "never"),
    "dueBoard": ("期限看板", "Deadline board"),
    "runsFrom:received": ("起算：收方签名证实收到", "runs from receipt, proven by the receiver's signature"),
    "runsFrom:acknowledged": ("起算：签收", "runs from acknowledgement"),
    "runsFrom:sent": ("起算：发出（尚未证实收到）", "runs from sending (receipt not yet proven)"),
    "urgency:ok": ("正常", "on time"),
    "urgency:due-soon": ("即将到期", "due soon"),
    "urgency:overdue": ("已逾期", "overdue"),
    "notFoundHint": (
      "本节点没有这一对象的内容。它可能只与其他地区共享：那样本节点只持有其签名存根（证明它存在、由谁签名），看不到内容；也可能编号有误。",
      "This node holds no content for this object. It may be shared with other regions only: this node then holds just its signed stub (proof that it exists and who signed it), not its content. Or the ID is mistyped."
    ),
  ]

  /// Canonical values (DOMAIN.md) in both languages.
  static let values: [String: (zh: String, en: String)] = [
    "forged-report": ("伪造检验检测报告", "forged test report"),
    "misused-cma": ("冒用CMA标志", "misused CMA mark"),
    "false-certification": ("虚假认证证书", "false certification"),
    "no-ccc": ("未获CCC认证", "no CCC certificate"),
    "false-advertising": ("虚假宣传", "false advertising"),
    "abnormal-price": ("价格异常低廉", "abnormally low price"),
    "recalled-product": ("召回产品", "recalled product"),
    "three-noes": ("“三无”产品", "\"three-noes\" product"),
    "other": ("其他", "other"),
    "serious": ("严重", "serious"), "high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low"),
    "newest": ("最新登记在前", "newest first"), "oldest": ("最早登记在前", "oldest first"),
    "draft": ("草稿", "draft"), "published": ("已发出", "published"), "acknowledged": ("已签收", "acknowledged"),
    "not-acknowledged": ("待签收", "not acknowledged"),
    "checking": ("核查中", "checking"), "case-opened": ("已立案", "case opened"),
    "not-opened": ("不予立案", "not opened"), "transferred": ("已移送", "transferred"),
    "withdrawn": ("已撤回", "withdrawn"), "merged": ("已合并", "merged"), "closed": ("已办结", "closed"),
    "enterprise": ("企业", "enterprise"), "individual-business": ("个体工商户", "individual business"),
    "natural-person": ("自然人", "natural person"), "platform": ("平台", "platform"), "shop": ("网店", "shop"),
    "laboratory": ("检验检测机构", "laboratory"), "product": ("产品", "product"),
    "lead": ("线索处理决定", "lead decision"), "request": ("协助调查", "assistance request"),
    "police": ("移送公安", "police transfer"), "designation": ("指定管辖", "designation"),
    "negotiation": ("管辖协商", "jurisdiction negotiation"),
    "origin-side": ("登记地", "origin"), "received-side": ("接收地", "receiver"),
    "requester": ("请求方", "requester"), "requested": ("被请求方", "requested"), "bureau": ("本局", "bureau"),
    "sent": ("已发出", "sent"), "in-progress": ("办理中", "in progress"),
    "completed": ("已完成", "completed"), "partly-completed": ("部分完成", "partly completed"),
    "declined": ("已拒绝", "declined"), "cancelled": ("已撤回", "cancelled"), "conflict": ("冲突待解决", "conflict"),
    "verify-registration": ("核实登记信息", "verify registration"), "obtain-records": ("调取资料", "obtain records"),
    "interview": ("询问", "interview"), "on-site-inspection": ("现场检查", "on-site inspection"),
    "sampling": ("抽样", "sampling"), "service-of-documents": ("送达文书", "service of documents"),
    "reported": ("待审批", "awaiting approval"), "approved": ("已批准", "approved"),
    "handoff:offered": ("待对方接受", "offered"), "handoff:accepted": ("已接受", "accepted"),
    "handoff:objected": ("对方有异议，待上级指定", "objected; awaiting designation"),
    "handoff:withdrawn": ("已撤回", "withdrawn"), "handoff:designated": ("已指定管辖", "designated"),
    "handoff:contested": ("冲突待解决", "contested"),
  ]
}
