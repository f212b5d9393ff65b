//! The language of what people read — report pages, statements, workbook headers — and the
//! Chinese names of the output tables' columns (docs/analysts.md, "Chinese labels"). The tables
//! themselves keep their column names in every language: scripts read those.

/// English or Chinese (the bureaus' own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// The text in this language.
    pub fn say<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// The page's language code (`<html lang>`).
    pub fn code(self) -> &'static str {
        self.say("en", "zh")
    }

    /// A column's name for a reader: its Chinese label in Chinese (the column name itself when
    /// it has none), the column name in English.
    pub fn column(self, name: &str) -> &str {
        match self {
            Lang::En => name,
            Lang::Zh => column_label(name).unwrap_or(name),
        }
    }
}

/// The Chinese label of an output column, by its name; `None` for a column it does not know.
pub fn column_label(name: &str) -> Option<&'static str> {
    COLUMN_LABELS.binary_search_by(|(n, _)| n.cmp(&name)).ok().map(|i| COLUMN_LABELS[i].1)
}

/// Column name → Chinese label, sorted by name (a unit test keeps them sorted). The words are
/// the ones the regions' rules use: 点值 for the point value, 统筹区 for the region, 清算 for
/// the year-end settlement, 结余留用 / 超支分担 for kept surplus and shared overspend.
const COLUMN_LABELS: &[(&str, &str)] = &[
    ("a", "甲方值"),
    ("adjustment", "清算补差"),
    ("apv", "调整后点值"),
    ("apv_base", "基准调整后点值"),
    ("apv_delta", "调整后点值变化"),
    ("assessment", "考核等级"),
    ("assessment_score", "考核得分"),
    ("at_cost_amount", "据实结算金额"),
    ("at_cost_cases", "据实结算病例数"),
    ("aux_factor", "辅助目录系数"),
    ("avg_cost", "次均费用"),
    ("b", "乙方值"),
    ("balance", "结余（超支）"),
    ("balance_rate", "结余（超支）率"),
    ("basis", "依据"),
    ("budget", "预算"),
    ("budget_effect", "预算因素影响"),
    ("cap", "上限"),
    ("case_id", "病例号"),
    ("cases", "病例数"),
    ("cases_to_date", "累计病例数"),
    ("charges", "预先扣除金额"),
    ("claimed_points", "申报点数"),
    ("cmi", "病例组合指数CMI"),
    ("coefficient", "医院系数"),
    ("column", "列"),
    ("config_effect", "参数因素影响"),
    ("copayment", "个人负担"),
    ("cost_flag", "费用偏差标记"),
    ("cost_growth", "费用增长率"),
    ("cost_per_case", "次均费用"),
    ("deducted_points", "核减点数"),
    ("delta", "差值"),
    ("dip_amount", "DIP支付金额"),
    ("dip_amount_base", "基准DIP支付金额"),
    ("dip_group", "DIP病种"),
    ("distributed", "已分配"),
    ("drug_points", "药品点数"),
    ("due", "应拨付"),
    ("elapsed", "序时进度"),
    ("entitlement", "应得金额"),
    ("exam_flag", "检查检验标记"),
    ("exam_share", "检查检验占比"),
    ("excluded_amount", "除外支付金额"),
    ("excluded_cost", "除外费用"),
    ("extreme_cases", "极值病例数"),
    ("file", "文件"),
    ("fixed_amount", "固定点值金额"),
    ("flag", "预警标记"),
    ("floating_amount", "浮动点值金额"),
    ("floating_money", "浮动点值可分配金额"),
    ("floating_points", "浮动点数"),
    ("fpv", "浮动点值"),
    ("fpv_base", "基准浮动点值"),
    ("fpv_delta", "浮动点值变化"),
    ("fpv_exact", "浮动点值（精确）"),
    ("fpv_exact_base", "基准浮动点值（精确）"),
    ("fpv_exact_delta", "浮动点值变化（精确）"),
    ("fund", "基金"),
    ("fund_paid", "统筹基金支付"),
    ("gross", "核算金额"),
    ("gross_amount", "总金额"),
    ("growth_rate", "增长率"),
    ("growth_y1", "前一年增长率"),
    ("growth_y2", "前二年增长率"),
    ("growth_y3", "前三年增长率"),
    ("high_cases", "高倍率病例数"),
    ("history_rate", "历史增长率"),
    ("income_forecast", "基金收入预测"),
    ("institution_id", "医疗机构编码"),
    ("institutions", "医疗机构数"),
    ("interim_paid", "暂付金额"),
    ("item_amount", "按项目结算金额"),
    ("item_to_date", "累计按项目结算金额"),
    ("kept", "结余留用"),
    ("kind", "类别"),
    ("level", "医院等级"),
    ("low_cases", "低倍率病例数"),
    ("margin", "盈亏"),
    ("money", "金额"),
    ("month", "月份"),
    ("pace", "执行进度"),
    ("pace_flag", "进度预警"),
    ("paid", "已拨付"),
    ("paid_to_date", "累计已拨付"),
    ("payable", "应付金额"),
    ("payment", "支付金额"),
    ("payment_ratio", "支付比例"),
    ("population", "参保人数"),
    ("protected_points", "保障项目点数"),
    ("pv", "点值"),
    ("pv_base", "基准点值"),
    ("pv_delta", "点值变化"),
    ("pv_exact", "点值（精确）"),
    ("pv_exact_base", "基准点值（精确）"),
    ("pv_exact_delta", "点值变化（精确）"),
    ("quarter", "季度"),
    ("ratio", "比例"),
    ("region", "统筹区"),
    ("reserve", "调节金"),
    ("reserve_draw", "调节金使用"),
    ("reserve_draw_base", "基准调节金使用"),
    ("residual", "余额"),
    ("rows", "行数"),
    ("scenario", "情景"),
    ("score", "病例分值"),
    ("score_value_to_date", "累计分值金额"),
    ("scored_cases", "入组病例数"),
    ("sector", "总额部门"),
    ("service_month", "服务月份"),
    ("share", "占比"),
    ("shared", "超支分担"),
    ("shared_uncapped", "超支分担（未封顶）"),
    ("sheet", "工作表"),
    ("shortfall", "缺口"),
    ("special_cases", "特例单议病例数"),
    ("spending_base", "支出基数"),
    ("spending_forecast", "支出预测"),
    ("standard", "标准费用"),
    ("status", "状态"),
    ("table", "表"),
    ("technology", "新技术"),
    ("total_cost", "医疗总费用"),
    ("total_score", "总分值"),
    ("transfer", "调剂金额"),
    ("type", "类型"),
    ("volume_effect", "服务量因素影响"),
    ("withheld", "预留金额"),
    ("withheld_to_date", "累计预留金额"),
    ("year", "年度"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_sorted_unique_and_found() {
        assert!(COLUMN_LABELS.windows(2).all(|w| w[0].0 < w[1].0), "COLUMN_LABELS must stay sorted by name");
        assert_eq!(column_label("pv"), Some("点值"));
        assert_eq!(column_label("region"), Some("统筹区"));
        assert_eq!(column_label("no_such_column"), None);
        assert_eq!(Lang::Zh.column("no_such_column"), "no_such_column");
        assert_eq!(Lang::En.column("pv"), "pv");
    }
}
