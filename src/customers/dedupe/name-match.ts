/**
 * Whether two customer names can belong to one person or company: the corroboration an automatic merge needs
 * besides a shared email, phone or CRM link. Pure (no I/O). Names are compared after normalisation (Unicode
 * NFKC, case, accents, whitespace, punctuation, company suffixes such as 有限公司 / Ltd / GmbH), and a Chinese name
 * matches its pinyin in either order (`李秀英` ~ `Li Xiuying` ~ `XIUYING LI`) through the small table below.
 */

/** Readings of common surname and given-name characters (and frequent company-name characters). */
const PINYIN_SOURCE = `
王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu 胡hu 郭guo 何he 林lin
罗luo 高gao 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng 邓deng 曹cao 彭peng 曾zeng,ceng 萧xiao 肖xiao
田tian 董dong 潘pan 袁yuan 蔡cai 蒋jiang 余yu 于yu 杜du 叶ye 程cheng 苏su 魏wei 吕lv,lu 丁ding 任ren 沈shen 姚yao
卢lu 姜jiang 崔cui 钟zhong 谭tan 陆lu 汪wang 范fan 金jin 石shi 廖liao 贾jia 夏xia 韦wei 付fu 傅fu 方fang 白bai
邹zou 孟meng 熊xiong 秦qin 邱qiu 江jiang 尹yin 薛xue 闫yan 阎yan 段duan 雷lei 侯hou 龙long 史shi 陶tao 黎li 贺he
顾gu 毛mao 郝hao 龚gong 邵shao 万wan 钱qian 严yan 覃qin 武wu 戴dai 莫mo 孔kong 向xiang 汤tang 常chang 温wen 康kang
施shi 文wen 牛niu 樊fan 葛ge 邢xing 安an 齐qi 易yi 乔qiao 伍wu 庞pang 颜yan 倪ni 庄zhuang 聂nie 章zhang 鲁lu 岳yue
翟zhai 殷yin 詹zhan 申shen 欧ou 耿geng 关guan 兰lan 焦jiao 俞yu 左zuo 柳liu 甘gan 祝zhu 包bao 宁ning 尚shang 符fu
舒shu 阮ruan 柯ke 纪ji 梅mei 童tong 凌ling 毕bi 单shan,dan 季ji 裴pei 霍huo 涂tu 成cheng 苗miao 谷gu 盛sheng 曲qu
翁weng 冉ran 骆luo 蓝lan 路lu 游you 辛xin 靳jin 管guan 柴chai 蒙meng 鲍bao 华hua 喻yu 祁qi 蒲pu 房fang 滕teng
屈qu 饶rao 解xie,jie 牟mou 艾ai 尤you 阳yang 时shi 穆mu 农nong 司si 卓zhuo 古gu 吉ji 缪miao 简jian 车che 项xiang
连lian 芦lu 麦mai 褚chu 娄lou 窦dou 戚qi 岑cen 景jing 党dang 宫gong 费fei 卜bu 冷leng 晏yan 席xi 卫wei 米mi 柏bai
宗zong 瞿qu 桂gui 全quan 佟tong 应ying 臧zang 闵min 苟gou 邬wu 边bian 卞bian 姬ji 师shi 和he 仇qiu 栾luan 隋sui
商shang 刁diao 沙sha 荣rong 巫wu 寇kou 桑sang 郎lang 甄zhen 丛cong 仲zhong 虞yu 敖ao 巩gong 明ming 佘she 池chi
查zha,cha 麻ma 苑yuan 迟chi 邝kuang 欧阳ouyang 司马sima 诸葛zhuge 上官shangguan 东方dongfang 皇甫huangfu
伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie 涛tao 超chao 秀xiu 英ying 霞xia
平ping 刚gang 建jian 志zhi 婷ting 欣xin 怡yi 子zi 涵han 浩hao 然ran 雨yu 萱xuan 梓zi 轩xuan 晨chen 佳jia 俊jun
思si 远yuan 宇yu 航hang 博bo 嘉jia 海hai 燕yan 国guo 晓xiao 丹dan 鹏peng 琳lin 红hong 玲ling 梅mei 兰lan 凤feng
洁jie 颖ying 慧hui 倩qian 雪xue 琴qin 云yun 莉li 桂gui 珍zhen 玉yu 萍ping 娟juan 辉hui 斌bin 波bo 宁ning 亮liang
飞fei 鑫xin 帅shuai 峰feng 宏hong 鸣ming 雯wen 琪qi 瑶yao 璐lu 楠nan 东dong 春chun 秋qiu 冬dong 新xin 生sheng
荣rong 福fu 贵gui 喜xi 德de 仁ren 义yi 礼li 智zhi 信xin 忠zhong 孝xiao 天tian 地di 龙long 凯kai 旭xu 阳yang
晶jing 晗han 菲fei 薇wei 蕾lei 蓉rong 露lu 悦yue 乐le,yue 欢huan 宏hong 毅yi 彬bin 浩hao 泽ze 睿rui 瑞rui 铭ming
一yi 二er 三san 小xiao 大da 中zhong 文wen 武wu 永yong 长chang 昌chang 盛sheng 兴xing 隆long 泰tai 华hua 和he
北bei 京jing 上shang 南nan 广guang 州zhou 深shen 圳zhen 天tian 津jin 重chong 庆qing 杭hang 苏su 成cheng 都du
武wu 汉han 西xi 安an 贸mao 易yi 制zhi 造zao 科ke 技ji 电dian 子zi 商shang 实shi 业ye 投tou 资zi 发fa 展zhan
`;

const PINYIN: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const entry of PINYIN_SOURCE.split(/\s+/)) {
    const m = /^(\p{Script=Han}+)([a-z,]+)$/u.exec(entry);
    if (!m) continue;
    const readings = m[2].split(',');
    map.set(m[1], [...new Set([...(map.get(m[1]) ?? []), ...readings])]);
  }
  return map;
})();

/** Chinese company suffixes, longest first (removed from the end). */
const HAN_SUFFIXES = [
  '股份有限公司',
  '有限责任公司',
  '有限公司',
  '集团公司',
  '集团',
  '公司',
  '株式会社',
  '商行',
  '工作室',
];

/** Latin company-form words, removed wherever they stand ("Co., Ltd.", "GmbH & Co. KG", "Pte. Ltd."). */
const LATIN_FORMS = new Set([
  'co',
  'ltd',
  'limited',
  'inc',
  'incorporated',
  'llc',
  'llp',
  'lp',
  'gmbh',
  'ag',
  'kg',
  'ug',
  'plc',
  'corp',
  'corporation',
  'company',
  'pte',
  'pty',
  'kk',
  'sa',
  'sarl',
  'sas',
  'bv',
  'nv',
  'oy',
  'ab',
  'srl',
  'spa',
  'group',
  'holdings',
]);

const HAN = /\p{Script=Han}/u;
const MAX_READINGS = 32;

/** The comparable forms of a name: two names are compatible when their forms intersect; '' has none. */
export function nameForms(raw: string | null | undefined): Set<string> {
  const forms = new Set<string>();
  if (!raw) return forms;
  const text = raw.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC').toLowerCase();
  if (HAN.test(text)) {
    let han = [...text].filter((ch) => HAN.test(ch)).join('');
    for (const suffix of HAN_SUFFIXES) {
      if (han.length > suffix.length && han.endsWith(suffix)) {
        han = han.slice(0, -suffix.length);
        break;
      }
    }
    forms.add(`h:${han}`);
    for (const p of hanReadings(han)) forms.add(`c:${p}`);
    return forms;
  }
  const tokens = text.split(/[^\p{L}\p{N}]+/u).filter((t) => t !== '' && !LATIN_FORMS.has(t));
  if (tokens.length === 0) return forms;
  forms.add(`c:${tokens.join('')}`);
  forms.add(`s:${[...tokens].sort().join(' ')}`);
  if (tokens.length > 1) forms.add(`c:${[...tokens.slice(1), tokens[0]].join('')}`); // family name last or first
  return forms;
}

/** Whether two names can be one person's or company's (see nameForms). Missing names are never compatible. */
export function namesCompatible(a: string | null | undefined, b: string | null | undefined): boolean {
  const fa = nameForms(a);
  if (fa.size === 0) return false;
  for (const f of nameForms(b)) if (fa.has(f)) return true;
  return false;
}

/** Whether any name of one list is compatible with any of the other (a customer and the records merged into it). */
export function anyNamesCompatible(
  a: ReadonlyArray<string | null>,
  b: ReadonlyArray<string | null>,
): boolean {
  const fa = new Set<string>();
  for (const n of a) for (const f of nameForms(n)) fa.add(f);
  if (fa.size === 0) return false;
  for (const n of b) for (const f of nameForms(n)) if (fa.has(f)) return true;
  return false;
}

/**
 * Pinyin spellings of a Han name without spaces, family name first and last (`lixiuying`, `xiuyingli`); none when
 * a character is not in the table. A two-character family name (欧阳) is read as one.
 */
function hanReadings(han: string): string[] {
  const chars = [...han];
  if (chars.length === 0 || chars.length > 8) return [];
  const compound = chars.length > 2 && PINYIN.has(chars[0] + chars[1]) ? 2 : 1;
  const family = PINYIN.get(chars.slice(0, compound).join('')) ?? readingsOf(chars.slice(0, compound));
  const given = readingsOf(chars.slice(compound));
  if (!family || !given) return [];
  const out: string[] = [];
  for (const f of family) {
    for (const g of given) {
      out.push(f + g);
      if (g !== '') out.push(g + f);
    }
  }
  return out.slice(0, MAX_READINGS);
}

function readingsOf(chars: string[]): readonly string[] | undefined {
  let acc: string[] = [''];
  for (const ch of chars) {
    const r = PINYIN.get(ch);
    if (!r) return undefined;
    acc = acc.flatMap((a) => r.map((x) => a + x)).slice(0, MAX_READINGS);
  }
  return acc;
}
