import LiandongErrors

/// What a refusal says in Chinese on a console page: a heading for its category, and what to do
/// for the refusals an officer, supervisor or operator meets in the console. The message itself,
/// which names the values involved, stays as the node wrote it, shown beneath as the detail; a
/// code with no Chinese remedy here shows the catalogue's.
enum ErrorPhrases {
  static func heading(_ category: ErrorCategory) -> String {
    switch category {
    case .invalidInput: "填写有误，未办理"
    case .notFound: "未找到"
    case .unauthenticated: "需要重新登录"
    case .forbidden: "无权办理"
    case .conflict: "当前状态下不能办理"
    case .unavailable: "暂时无法办理，请稍后再试"
    case .internal: "系统内部错误，请联系本局运维人员"
    }
  }

  static let remedies: [String: String] = [
    "auth.no-session": "请先登录。",
    "auth.session-ended": "登录已过期或已退出，请重新登录。",
    "auth.login-failed": "账号或密码不正确，请核对后重试；忘记密码请联系本局运维人员重置。",
    "auth.login-blocked": "连续输错密码，账号暂时锁定，请稍后再试。",
    "auth.wrong-password": "当前密码不正确，请核对后重试。",
    "auth.account-disabled": "该账号已停用，请联系本局运维人员。",
    "auth.csrf": "页面已过期或请求来自其他网站，未办理。请刷新本页后重新提交。",
    "auth.not-permitted": "您的角色无权办理此事项。接受移送、批准移送公安等须由负责人（supervisor）办理；节点运维事项须由运维人员办理。",
    "account.weak-password": "密码太弱：请至少使用 10 个字符，且不得包含账号名，例如几个互不相关的词。",
    "account.exists": "该账号已存在，请换一个账号名。",
    "account.invalid-name": "账号名由 2 到 64 个小写字母、数字、点、下划线或横线组成，以字母开头（例如 li.wei）。",
    "account.not-found": "没有该账号，请核对账号名。",
    "object.not-found": "本节点没有该对象，或您所在的节点无权查看其内容。",
    "object.withheld": "该记录暂被本节点扣留：其时间戳超前于本节点时钟（时钟到达或对方校正后生效），或其签名证书已吊销且此前无其他节点持有。",
    "input.ambiguous-id": "编号前缀对应多个对象，请多输入几位。",
    "input.object-id": "编号格式不正确，请从页面复制完整编号。",
    "input.uscc": "请对照营业执照核对统一社会信用代码的 18 位字符；错误信息指出了有误的一位。",
    "input.audience": "请选择要发送到的地区。",
    "input.missing": "请填写所有必填项。",
    "input.address": "地址应为“主机:端口”，例如 10.31.0.5:7420。",
    "input.node-id": "节点标识由 2 到 32 个小写字母、数字或横线组成，以对端证书中的名称为准（例如 yrd）。",
    "usage.self-peer": "本节点无需与自己同步，请添加其他地区的节点。",
    "crl.unreadable": "请选择 CA 发布的吊销列表文件（PEM 格式）。",
    "crypto.unreadable-pem": "所选文件不是 PEM 格式的吊销列表，请选择 CA 发布的 CRL 文件。",
    "crl.refused": "该吊销列表不能安装：须由本联盟 CA 签发、在有效期内，且不得吊销本节点证书。详情说明了原因。",
    "crl.older": "该吊销列表比现行的旧，请保留现行列表，或向 CA 索取最新列表。",
    "backup.running": "已有一个备份正在进行，请待其完成（本页显示进度）后再开始。",
    "verify.running": "已有一次核验正在进行，请待其完成（本页显示进度）后再开始。",
    "input.too-long": "内容过长，请精简后再提交。",
    "input.date": "日期格式应为 年-月-日，例如 2026-12-01。",
    "input.date-passed": "请选择今天或以后的日期（北京时间）。",
    "input.date-in-future": "该时间晚于现在，请核对年份和时区，以及本机时钟。",
    "input.value": "所选值不在允许范围内，请从下拉列表中选择。",
    "evidence.empty": "所选文件为空，请选择证据文件本身。",
    "evidence.file-not-held": "本节点尚未收到该证据文件，同步后即可下载。",
    "usage.share-to": "请至少勾选一个要共享的地区。",
    "usage.no-audience": "请选择要发送到的地区。",
    "usage.request-self": "不能向本局发起协助调查，请选择其他地区。",
    "reach.unknown-node": "请从列表中选择本联邦的其他节点。",
    "recipient.unknown": "所选地区不在本联邦内，请从列表中选择。",
    "op.not-owner": "只有该线索的承办局可以办理此事项。",
    "op.not-party": "本局不是该事项的当事方，不能办理。",
    "op.wrong-party": "此事项应由另一方办理。",
    "op.wrong-state": "该事项当前的状态不允许此操作，请刷新页面查看最新状态。",
    "op.deadline-passed": "延期须在期限届满前告知；请答复该协助调查，或说明理由予以拒绝。",
    "op.extended-already": "延期只能告知一次，原期限不变。",
    "op.no-second-handoff": "接受移送的案件不得再次移送；如认为无管辖权，请提出异议，由共同上级指定管辖。",
    "op.in-conflict": "该事项存在同时办理的冲突，须先解决冲突。",
    "police.no-document": "请先将该文书作为证据添加到案件，再选择它。",
    "request.not-party": "本局不是该协助调查的当事方。",
    "request.wrong-party": "此操作应由协助调查的另一方办理。",
    "node.quarantined": "该节点的变更链出现分叉，已被隔离，待运维人员或上级裁定后方可继续。",
    "node.catch-up-required": "本节点从备份恢复，须先与各对等节点同步后才能登记新的记录；请联系运维人员。",
    "node.own-changes-missing":
      "本节点缺少自己签发过的变更（例如由备份恢复后），须待与持有这些变更的对端同步、变更取回后才能登记新的记录；请联系运维人员。",
    "node.not-ready": "节点正在启动或维护，请稍后再试。",
    "node.disk-full": "本节点磁盘空间不足，请联系运维人员。",
    "api.too-large": "提交的内容或文件过大，请缩小后再试。",
    "api.bad-request": "提交的表单不完整或有误，请刷新页面后重试。",
    "bundle.files-missing": "本节点尚未收到全部证据文件，同步后再导出证据包。",
    "bundle.file-damaged": "证据文件在本节点磁盘上已损坏，已隔离；与持有该文件的节点同步后可重新导出。",
    "blob.damaged": "本节点持有的该证据文件与其哈希不符：请运行“liandong verify”将其隔离，下次同步时会从持有该文件的节点重新获取。",
    "evidence.store-unreachable":
      "请确认 node.json 中 evidenceStore 所指的对象存储正在运行，且本机可以访问其主机和端口；数据未丢失，待其恢复应答后重试即可。",
    "evidence.store-bad-answer":
      "请确认 evidenceStore 的 endpoint 是对象存储的 S3 接口地址（SeaweedFS 为 -s3.port 指定的端口），而不是其他服务。",
    "evidence.store-refused": "请核对 evidenceStore 所指凭据文件中的访问密钥，并确认其有权读写该存储桶；消息中附有对象存储自身的错误代码。",
    "evidence.store-failed": "对象存储自身处理请求失败（HTTP 5xx），原因见其日志（如卷服务器宕机、磁盘已满）；本次未登记任何内容，待其恢复后重试即可。",
    "evidence.store-tls":
      "请确认对象存储的证书由 evidenceStore 的 caFile（未设置时为系统信任的 CA）中的 CA 签发、包含 endpoint 的主机名或 IP 地址且在有效期内。",
    "evidence.store-no-bucket":
      "请在对象存储中创建该存储桶（SeaweedFS：在“weed shell”中执行“s3.bucket.create -name 桶名”），或修正 node.json 中 evidenceStore 的 bucket。",
    "config.evidence-store": "请按消息所述修正 node.json 中的 evidenceStore；各项含义见 Deploy/config/README.md。",
    "bundle.archive-failed": "证据包打包失败，请联系运维人员检查磁盘空间。",
    "store.postgres-unreachable": "本节点暂时无法访问其 PostgreSQL 数据库（可能正在主备切换）；本次未登记任何内容，请稍后重试，持续出现请联系运维人员。",
    "store.postgres-standby": "本节点连接到的是只读的备用数据库（可能正在主备切换）；本次未登记任何内容，请稍后重试，持续出现请联系运维人员。",
    "store.postgres-full": "本节点的 PostgreSQL 数据库连接数已满；本次未登记任何内容，请稍后重试，持续出现请联系运维人员。",
    "store.postgres-connections-busy": "本节点的数据库连接暂时全部占用；本次未登记任何内容，请稍后重试，持续出现请联系运维人员。",
  ]
}
