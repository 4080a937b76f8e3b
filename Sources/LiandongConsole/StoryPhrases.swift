/// Each kind of act of a case's story in Chinese (`HistoryEntry.action`): the story reads as
/// the officers speak, with the words they wrote after it. An act with no name here shows the
/// node's English description.
enum StoryPhrases {
  static let zh: [String: String] = [
    "create-lead": "登记线索", "update-lead": "修改线索", "create-subject": "登记涉事主体",
    "lead:acknowledge": "签收线索", "lead:check": "核查线索", "lead:decide": "作出处理决定",
    "lead:extend": "延长办理期限", "lead:close": "办结线索", "lead:withdraw": "撤回线索", "lead:merge": "并入另一线索",
    "create-request": "发起协助调查", "request:acknowledge": "签收协助调查", "request:accept": "接受协助调查",
    "request:extend": "告知延期（工作日）", "request:complete": "完成协助调查", "request:complete-partly": "部分完成协助调查",
    "request:decline": "拒绝协助调查", "request:cancel": "撤销协助调查", "request:close": "结束协助调查",
    "request:resolve": "裁定同时办理的冲突",
    "hand-off:offer": "移送案件", "hand-off:accept": "接受移送", "hand-off:object": "对移送提出异议",
    "hand-off:withdraw": "撤回移送", "hand-off:claim": "主张管辖", "hand-off:designate": "指定管辖",
    "hand-off:share-history": "向新承办局提供案件记录", "hand-off:resolve": "裁定移送冲突",
    "police:create": "报请移送公安", "police:approve": "批准移送公安", "police:refuse": "不批准移送公安",
    "police:transfer": "移送公安", "police:police-accepted": "公安机关接受", "police:police-declined": "公安机关不予接受",
    "police:reconsider": "提请复议", "police:close": "结束移送公安",
    "custody:collected": "提取证据", "custody:sealed": "封存证据", "custody:hashed": "计算证据哈希",
    "custody:handed-over": "移交证据", "custody:received": "接收证据", "custody:opened": "启封证据",
    "custody:returned": "退还证据", "custody:destroyed": "销毁证据", "custody:passed-to-police": "证据移交公安",
    "custody:damaged": "发现证据文件损坏", "add-evidence": "添加证据", "share-evidence": "共享证据",
    "warn-of-subject": "就同一主体发出预警",
  ]

  /// The act in `language`: in Chinese its name and the words written with it, in English the
  /// node's own description.
  static func what(_ entry: (action: String?, words: String?, what: String), _ language: Language) -> String {
    guard language == .zh, let action = entry.action, let name = zh[action] else { return entry.what }
    return entry.words.map { "\(name)：\($0)" } ?? name
  }
}
