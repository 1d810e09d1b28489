import { messages } from '../i18n.js';

/** The asset QR label sheet's words (#/assets/labels). */
export const t = messages({
  en: {
    title: 'Asset QR labels',
    zone: 'Zone',
    allZones: 'All zones',
    print: 'Print',
    count: '{n} labels',
    truncated: 'Showing the first {n} of {total}: pick a zone for the rest.',
    fromRequest:
      'The QR codes open {base}: the address this browser uses. Set visitors.publicUrl in the site file so they open the address phones reach.',
    scan: 'Scan to report a fault',
    none: 'No assets in this zone.',
    hint: 'Print on A4 (3 × 7 labels a page), cut along the dashed lines and stick each label on its equipment.',
  },
  'zh-CN': {
    title: '设备二维码标签',
    zone: '区域',
    allZones: '全部区域',
    print: '打印',
    count: '共 {n} 张标签',
    truncated: '仅显示前 {n} 张（共 {total} 张）：请按区域分批打印。',
    fromRequest:
      '二维码指向 {base}（本浏览器使用的地址）。请在站点配置中设置 visitors.publicUrl，使手机能访问到正确的地址。',
    scan: '扫码报修',
    none: '该区域没有设备。',
    hint: '用 A4 纸打印（每页 3 × 7 张），沿虚线裁开，贴在对应设备上。',
  },
});
