// keydesk's pages: drawn from the JSON API (the same one machines use), no build step.
'use strict';
const main = document.getElementById('main');
let me = null;  // {account, csrf}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class')
      e.className = v;
    else if (k.startsWith('on'))
      e.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false)
      e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && me) headers['X-CSRF-Token'] = me.csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin'
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok)
    throw Object.assign(new Error(data.error || `服务器未能处理（${res.status}），请稍后重试`),
                        {status: res.status, field: data.field, kind: data.kind, detail: data.detail});
  return data;
}

function go(path) {
  history.pushState(null, '', path);
  route();
}

function showLogin(message) {
  document.getElementById('nav').hidden = true;
  const error = el('p', {class: 'error', id: 'login-error', role: 'alert'}, message || '');
  const form =
      el('form', {class: 'login', id: 'login'}, el('h1', {}, '登录'),
         el('label', {}, '用户名 ',
            el('input', {name: 'name', autocomplete: 'username', required: true})),
         el('label', {}, '密码 ', el('input', {
              name: 'password',
              type: 'password',
              autocomplete: 'current-password',
              required: true
            })),
         el('button', {type: 'submit'}, '登录'), error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      me = await api('POST', '/api/login', {name: form.name.value, password: form.password.value});
      go(location.pathname === '/login' ? '/' : location.pathname);
    } catch (e) {
      error.textContent = e.message;
    }
  });
  main.replaceChildren(form);
}

// The queue: tabs (我的待办 / 等待企业 / 在服务商 / 全部在办 / 已办结) with their counts, filters with
// Chinese titles, sortable columns, pages; every state of it is in the address, so Back and a
// bookmark bring the same page again.
const QUEUE_PARAMS = ['tab', 'q', 'procedure', 'state', 'sort', 'order', 'page', 'per_page'];

function queueLink(params, changes) {
  const p = new URLSearchParams();
  for (const k of QUEUE_PARAMS) {
    const v = k in changes ? changes[k] : params.get(k);
    if (v) p.set(k, v);
  }
  const s = p.toString();
  return '/' + (s ? '?' + s : '');
}

function navLink(href, text, attrs) {
  return el('a', Object.assign({href, onclick: (ev) => {
    ev.preventDefault();
    go(href);
  }}, attrs || {}), text);
}

// Where a case stands against its deadline, in words.
function standing(c) {
  if (c.days_left === undefined) return '';
  if (c.overdue)
    return c.overdue_working_days > 0 ? `超期 ${c.overdue_working_days} 个工作日` : '已超期（未满1个工作日）';
  if (c.due_today) return '今日到期';
  return `剩余 ${c.days_left} 个工作日`;
}

async function showQueue() {
  const params = new URLSearchParams(location.search);
  let data;
  try {
    data = await api('GET', '/api/cases?' + params.toString());
  } catch (e) {
    main.replaceChildren(el('h1', {}, '待办队列'),
        el('p', {class: 'error', role: 'alert'}, e.message, ' ', navLink('/', '回到我的待办')));
    return;
  }
  const procedures = data.procedures || [];
  const titleOf = (id) => (procedures.find((p) => p.id === id) || {}).title || id;
  // Filters: the procedures and states by their titles (states of the chosen procedure, or all).
  const procedureSelect = el('select', {name: 'procedure', 'aria-label': '办理事项'},
      el('option', {value: ''}, '全部办理事项'),
      procedures.map((p) => el('option', {value: p.id, selected: p.id === params.get('procedure')}, p.title)));
  const stateSelect = el('select', {name: 'state', 'aria-label': '状态'});
  const fillStates = () => {
    const chosen = procedures.filter((p) => !procedureSelect.value || p.id === procedureSelect.value);
    const seen = new Map();
    for (const p of chosen)
      for (const s of p.states)
        if (!seen.has(s.id)) seen.set(s.id, s.title);
    stateSelect.replaceChildren(el('option', {value: ''}, '全部状态'),
        [...seen].map(([id, title]) => el('option', {value: id, selected: id === params.get('state')}, title)));
  };
  fillStates();
  procedureSelect.addEventListener('change', fillStates);
  const filters = el('form', {class: 'filters', id: 'filters', role: 'search'},
      el('input', {name: 'q', type: 'search', value: params.get('q') || '', size: 40,
                   'aria-label': '查找',
                   placeholder: '编号、信用代码、企业、姓名或用户名（可写一部分）'}),
      procedureSelect, stateSelect,
      el('button', {type: 'submit'}, '查找'),
      (params.get('q') || params.get('procedure') || params.get('state')) ?
          navLink(queueLink(params, {q: '', procedure: '', state: '', page: ''}), '清除筛选', {id: 'clear-filters'}) : null);
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go(queueLink(params, {q: filters.q.value.trim(), procedure: procedureSelect.value,
                          state: stateSelect.value, page: ''}));
  });

  const tabs = el('nav', {class: 'tabs', id: 'tabs', 'aria-label': '案件列表'},
      data.tabs.map((t) => navLink(queueLink(params, {tab: t.id, page: '', sort: '', order: ''}),
          `${t.title}（${t.count}）`,
          {'data-tab': t.id, class: t.id === data.tab ? 'current' : '',
           'aria-current': t.id === data.tab ? 'page' : null})));

  // Sortable columns: a click sorts by it, a second click reverses.
  const sort = params.get('sort') || '';
  const order = params.get('order') || '';
  const column = (key, title) => {
    if (!key) return el('th', {}, title);
    const active = sort === key;
    const next = active && order !== 'desc' ? 'desc' : 'asc';
    return el('th', {'aria-sort': active ? (order === 'desc' ? 'descending' : 'ascending') : null},
        navLink(queueLink(params, {sort: key, order: next, page: ''}),
            title + (active ? (order === 'desc' ? ' ▼' : ' ▲') : ''), {'data-sort': key}));
  };
  const all = el('input', {type: 'checkbox', id: 'select-all', 'aria-label': '全选本页'});
  all.addEventListener('change', () => {
    for (const box of document.querySelectorAll('#queue tbody input[type=checkbox]')) box.checked = all.checked;
  });
  const head = el('thead', {}, el('tr', {}, el('th', {}, all), column('id', '案件编号'),
      column('procedure', '办理事项'), column('enterprise', '企业'), column('state', '状态'),
      column('opened', '受理时间'), column('due', '办结期限'), el('th', {}, '期限情况')));
  const row = (c) =>
      el('tr',
         {class: c.overdue ? 'overdue' : c.due_today ? 'due-today' : c.due_pending_year ? 'due-pending' : '',
          'data-case': c.id, 'data-for-vendor': c.for_vendor ? '1' : '0'},
         el('td', {}, el('input', {type: 'checkbox', value: c.id, 'aria-label': '选择 ' + c.id})),
         el('td', {}, navLink('/cases/' + encodeURIComponent(c.id), c.id)),
         el('td', {}, c.procedure_title || titleOf(c.procedure)),
         el('td', {}, c.enterprise, el('br'), el('small', {}, c.uscc)),
         el('td', {}, c.state_title || c.state),
         el('td', {class: 'date'}, localTime(c.opened_at)),
         el('td', {class: 'date'}, c.due || (c.due_pending_year ? `待定（${c.due_pending_year}年）` :
                                c.clock_stopped ? '暂停计时' : '—')),
         el('td', {}, c.closed ? '已办结' : standing(c)));

  // Pages: first, previous, a window around this one, next, last; and how many a page shows.
  const pager = el('nav', {class: 'pager', id: 'pager', 'aria-label': '翻页'});
  const pageLink = (n, text) => n === data.page ?
      el('span', {class: 'current', 'aria-current': 'page'}, text || String(n)) :
      navLink(queueLink(params, {page: n === 1 ? '' : String(n)}), text || String(n), {'data-page': n});
  if (data.pages > 1) {
    if (data.page > 1) pager.append(pageLink(data.page - 1, '上一页'));
    const from = Math.max(1, data.page - 3), to = Math.min(data.pages, data.page + 3);
    if (from > 1) pager.append(pageLink(1), from > 2 ? el('span', {}, '…') : '');
    for (let n = from; n <= to; n++) pager.append(pageLink(n));
    if (to < data.pages) pager.append(to < data.pages - 1 ? el('span', {}, '…') : '', pageLink(data.pages));
    if (data.page < data.pages) pager.append(pageLink(data.page + 1, '下一页'));
  }
  const perPage = el('select', {id: 'per-page', 'aria-label': '每页件数'},
      [20, 50, 100, 200].map((n) => el('option', {value: n, selected: n === data.per_page}, `每页 ${n} 件`)));
  perPage.addEventListener('change', () => go(queueLink(params, {per_page: perPage.value, page: ''})));
  pager.append(perPage);

  const first = data.total ? (data.page - 1) * data.per_page + 1 : 0;
  const last = (data.page - 1) * data.per_page + data.cases.length;
  const pending = data.deadline_pending || {count: 0, years: []};
  const tabTitle = (data.tabs.find((t) => t.id === data.tab) || {}).title || '案件';
  main.replaceChildren(
      el('h1', {}, tabTitle), tabs, filters,
      el('p', {id: 'queue-summary', 'aria-live': 'polite'},
         `今天 ${data.today}。共 ${data.total} 件` +
             (data.total ? `，当前显示第 ${first}–${last} 件（第 ${data.page} / ${data.pages} 页）` : '') +
             (pending.count ? `，其中办结期限待定 ${pending.count} 件` : '')),
      pending.count ?
          el('p', {class: 'note', id: 'pending-note'},
             `${pending.years.join('、')}年节假日安排尚未录入工作日历，${pending.count} 件案件暂不计算办结期限（显示为“待定”），照常办理。` +
                 '管理员录入后，办结期限即按各案件的受理时间重新计算，并记入办理记录。') : '',
      // Clerks print both for what goes to the vendor; the vendor's staff the manifest of what
      // they shipped back (their 已处理 tab).
      me.account.role === 'authority_clerk' ? el('p', {class: 'bulk'},
         el('button', {type: 'button', id: 'print-coversheet', onclick: () => printSelected('coversheet')}, '打印传真封面'), ' ',
         el('button', {type: 'button', id: 'print-manifest', onclick: () => printSelected('manifest')}, '打印快递交接单'),
         el('div', {id: 'print-form'})) :
      me.account.role === 'vendor_reviewer' && data.tab === 'handled' ? el('p', {class: 'bulk'},
         el('button', {type: 'button', id: 'print-manifest', onclick: () => printSelected('manifest')}, '打印快递交接单'),
         el('div', {id: 'print-form'})) : '',
      data.cases.length ?
          el('table', {id: 'queue'}, head, el('tbody', {}, data.cases.map(row))) :
          el('p', {id: 'queue-empty'}, data.total ? '这一页没有案件。' :
              (params.get('q') || params.get('procedure') || params.get('state')) ?
                  '没有符合条件的案件：请检查查找内容，或点“清除筛选”，也可在其他列表（如“已办结”）中查看。' :
                  '这里没有案件。'),
      pager);
}

// `done`: what the last action did, shown in the status line of the page drawn again after it.
// The case's scans as thumbnails, and each checked page with its findings' boxes drawn on it.
function materialsView(c) {
  // Each thumbnail captioned with its material's Chinese title.
  const titles = c.material_titles || {};
  const thumbs = (c.scans || []).map((m) => el('figure', {class: 'thumb', 'data-material': m.material},
      el('a', {href: m.url, target: '_blank'},
         el('img', {src: m.url, alt: titles[m.material] || m.material, loading: 'lazy'})),
      el('figcaption', {}, titles[m.material] || m.material)));
  const pages = [];
  for (const m of (c.check && c.check.materials) || []) {
    if (!m.preview || !m.page) continue;
    const boxed = c.check.findings.filter((f) => f.evidence && f.evidence.box && f.material === m.material &&
        (!f.evidence.file || f.evidence.file === m.file));
    if (!boxed.length) continue;
    const sheet = el('div', {class: 'sheet'}, el('img', {src: m.preview, alt: m.material}));
    const figure = el('figure', {class: 'evidence', 'data-material': m.material}, sheet);
    for (const f of boxed) {
      const [x, y, w, h] = f.evidence.box;
      const box = el('div', {class: 'box ' + f.severity, title: f.message});
      box.style.left = (100 * x / m.page.width) + '%';
      box.style.top = (100 * y / m.page.height) + '%';
      box.style.width = (100 * w / m.page.width) + '%';
      box.style.height = (100 * h / m.page.height) + '%';
      sheet.append(box);
    }
    figure.append(el('figcaption', {}, boxed.map((f) => f.message).join('；')));
    pages.push(figure);
  }
  if (!thumbs.length && !pages.length) return el('span', {});
  return el('fieldset', {id: 'materials'}, el('legend', {}, '申请材料'), el('div', {class: 'thumbs'}, thumbs), ...pages);
}

const VERDICT = {pass: '通过', fail: '未通过', review: '需人工核对'};
const SEVERITY = {fail: '【须退回】', review: '【须人工核对】', info: ''};

// "2026-11-24T15:20:00+08:00" (counter time) as a clerk reads it: 2026-11-24 15:20.
function localTime(iso) {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(iso || '');
  return m ? `${m[1]} ${m[2]}` : (iso || '');
}

// A message as people read it, and its English detail: "请……（中文） (english detail)" split at
// the parenthesis that closes it, as the server splits its errors; the detail goes in a tooltip.
function splitDetail(message) {
  const m = String(message || '');
  if (!m.endsWith(')')) return [m, ''];
  let depth = 0;
  for (let i = m.length - 1; i >= 0; i--) {
    if (m[i] === ')') depth++;
    if (m[i] === '(' && --depth === 0) {
      const people = m.slice(0, i).trimEnd();
      return i > 0 && m[i - 1] === ' ' && /[^\x00-\x7f]/.test(people) ? [people, m.slice(i + 1, -1)] : [m, ''];
    }
  }
  return [m, ''];
}

// Whether an action returns the case or ends it: drawn apart from the passing ones.
function failing(a) {
  return a.failing || a.ends_unfinished;
}

// Whether input `rule` applies given the values chosen so far: its required_when, when that is
// "input.NAME == 'v'" or "input.NAME != 'v'" (what the rule files use); other conditions: shown.
function inputApplies(rule, values) {
  if (rule.required || !rule.required_when) return true;
  const m = /^\s*input\.(\w+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(rule.required_when);
  if (!m) return true;
  const v = values[m[1]] || '';
  return m[2] === '==' ? v === m[3] : v !== m[3];
}

function openActionForm(c, a, form, remark, status, id) {
  status.className = '';
  status.textContent = '';
  const fields = [];
  const values = {};
  const rows = [];
  const refresh = () => {
    for (const r of rows) r.row.hidden = !inputApplies(r.input, values);
  };
  for (const input of a.inputs) {
    const needed = input.required ? el('span', {class: 'needed'}, '（必填）') : '';
    const error = el('span', {class: 'error field-error', id: `err-${input.name}`});
    let control;
    if (input.choices.length) {
      control = el('span', {class: 'choices', role: 'radiogroup'},
                   input.choices.map((ch) => el('label', {class: 'choice'},
                       el('input', {type: 'radio', name: `in-${input.name}`, value: ch.value,
                                    onchange: () => { values[input.name] = ch.value; refresh(); }}),
                       ch.title)));
    } else {
      control = el('input', {type: 'text', id: `in-${input.name}`, name: input.name,
                             maxlength: 200, oninput: (e) => { values[input.name] = e.target.value.trim(); }});
    }
    const row = el('div', {class: 'field', 'data-input': input.name},
                   el('label', {for: `in-${input.name}`}, input.title, needed), control,
                   input.hint ? el('small', {class: 'hint'}, input.hint) : '', error);
    rows.push({input, row});
    fields.push({input, error});
  }
  // 补正材料: the enterprise's complete new set, one file for each material of the case.
  const uploads = [];
  if (a.resubmission) {
    const materials = (c.submission && c.submission.materials) || [];
    rows.push({input: {required: true}, row: el('p', {class: 'hint'},
        '请为每一项材料选择企业按退回备注补正后重新提交的扫描件（须为完整的一套，原有材料不能再次使用）。提交后须重新核验。')});
    materials.forEach((m, i) => {
      const error = el('span', {class: 'error field-error', id: `err-file-${i}`});
      const picker = el('input', {type: 'file', id: `in-file-${i}`, 'data-material': m.type,
                                  accept: 'image/*,application/pdf',
                                  onchange: () => { error.textContent = ''; }});
      const title = (c.material_titles || {})[m.type] || m.type;
      rows.push({input: {required: true}, row: el('div', {class: 'field', 'data-file': m.type},
          el('label', {for: `in-file-${i}`}, `${i + 1}. ${title}`, el('span', {class: 'needed'}, '（必选）')),
          picker, el('small', {class: 'hint'}, `此前提交：${m.file}`), error)});
      uploads.push({m, picker, error, title});
    });
  }
  let why = null, whyError = null;
  if (a.blocked_by_check) {
    whyError = el('span', {class: 'error field-error', id: 'err-override'});
    why = el('textarea', {id: 'in-override', rows: 2, maxlength: 500});
    rows.push({input: {required: true}, row: el('div', {class: 'field'},
        el('label', {for: 'in-override'},
           c.unchecked_resubmission ? '企业重新提交的材料尚未核验：不经核验即通过的理由' :
                                      `文书核验结论为“${c.check.verdict === 'fail' ? '未通过' : '需人工核对'}”：不采纳核验结论的理由`,
           el('span', {class: 'needed'}, '（必填）')),
        why, el('small', {class: 'hint'}, '如“已核对原件，公章清晰”；将记入办理记录'), whyError)});
  }
  const confirm = el('button', {type: 'button', id: 'action-confirm', class: failing(a) ? 'fail' : ''},
                     `确认${a.title}`);
  const cancel = el('button', {type: 'button', id: 'action-cancel', onclick: () => form.replaceChildren()}, '取消');
  confirm.addEventListener('click', async () => {
    let ok = true;
    const inputs = {};
    for (const {input, error} of fields) {
      error.textContent = '';
      const applies = inputApplies(input, values);
      const v = values[input.name] || '';
      if (applies && v) inputs[input.name] = v;
      if (applies && !v && (input.required || input.required_when)) {
        error.textContent = input.choices.length ? `请选择“${input.title}”` : `请填写“${input.title}”`;
        ok = false;
      }
    }
    if (why) {
      whyError.textContent = '';
      if (!why.value.trim()) {
        whyError.textContent = '请写明理由';
        ok = false;
      }
    }
    // The check's remark, untouched, is the return's; any other action sends only what was written.
    const written = !failing(a) && remark.value === remark.dataset.prefilled ? '' : remark.value;
    if (a.remark_required && !written.trim()) {
      status.className = 'error';
      status.textContent = `“${a.title}”须在上方“备注”中写明${failing(a) ? '企业需要改正什么' : '原因'}`;
      ok = false;
    }
    for (const u of uploads) {
      u.error.textContent = '';
      if (!u.picker.files.length) {
        u.error.textContent = `请选择“${u.title}”的新扫描件`;
        ok = false;
      }
    }
    if (!ok) return;
    if (a.resubmission) {
      confirm.disabled = true;
      try {
        const after = await resubmit(c, a, uploads);
        showCase(id, `已收到补正材料（${uploads.length} 项），现为：${after.state_title || after.state}。请核验新材料。`);
      } catch (e) {
        confirm.disabled = false;
        status.className = 'error';
        status.replaceChildren(e.message);
      }
      return;
    }
    const body = {action: a.id, version: c.version, remark: written};
    if (why) body.override_check = why.value.trim();
    if (Object.keys(inputs).length) body.inputs = inputs;
    confirm.disabled = true;
    try {
      const after = await api('POST', `/api/cases/${encodeURIComponent(c.id)}/actions`, body);
      showCase(id, `已办理：${a.title}（现为：${after.state_title || after.state}）`);
    } catch (e) {
      confirm.disabled = false;
      status.className = 'error';
      status.replaceChildren(e.message);
      if (e.kind === 'stale') {
        // A colleague acted first: nothing was done; the case as it is now is one click away.
        status.replaceChildren('已被他人办理，本次未办理。',
                               el('button', {type: 'button', id: 'reload-case', onclick: () => showCase(id)}, '刷新'));
      }
    }
  });
  form.replaceChildren(
      el('fieldset', {class: 'action-form', 'data-action': a.id}, el('legend', {}, a.title),
         ...rows.map((r) => r.row),
         a.closes ? el('p', {class: 'warning', id: 'closes-warning'},
                       `“${a.title}”后案件即办结，不能撤销；请核对无误后再确认。`) : '',
         el('p', {class: 'confirm-line'},
            a.remark_required ? el('span', {class: 'hint'}, '将同时提交上方的备注。') : '', confirm, cancel)));
  refresh();
  const first = form.querySelector('input, textarea');
  if (first) first.focus();
}

// Sends the new set of a resubmission: the case's submission with each material's new file (named
// by its place, so two files called scan.jpg stay two), as the intake form does.
async function resubmit(c, a, uploads) {
  const submission = JSON.parse(JSON.stringify(c.submission));
  const data = new FormData();
  submission.materials = uploads.map((u, i) => {
    const file = u.picker.files[0];
    const name = `${i + 1}-${file.name}`;
    data.append('file' + i, file, name);
    return Object.assign({}, u.m, {file: name});
  });
  data.append('submission', new Blob([JSON.stringify(submission)], {type: 'application/json'}), 'submission.json');
  const res = await fetch(`/api/cases/${encodeURIComponent(c.id)}/resubmission?action=${encodeURIComponent(a.id)}&version=${c.version}`,
                          {method: 'POST', body: data, credentials: 'same-origin', headers: {'X-CSRF-Token': me.csrf}});
  const text = await res.text();
  const body = text ? JSON.parse(text) : {};
  if (!res.ok) throw Object.assign(new Error(body.error || `服务器未能处理（${res.status}），请稍后重试`), {kind: body.kind});
  return body;
}

// Checks the case's current materials now (a batch of one), following its progress in `status`.
// When that batch is interrupted or fails, the same button, then labelled 继续核验, resumes it.
async function checkNow(id, status, button) {
  button.disabled = true;
  status.className = '';
  try {
    const left = button.dataset.batch;
    let job = left ? await api('POST', `/api/batches/${encodeURIComponent(left)}/resume`, {}) :
                     await api('POST', '/api/batches', {cases: [id]});
    while (job.state === 'running') {
      status.textContent = job.total ? `核验中：扫描件 ${job.done}/${job.total}` : '核验中：正在读取…';
      await new Promise((r) => setTimeout(r, 500));
      job = await api('GET', '/api/batches/' + job.id);
    }
    // failed, or interrupted (its server stopped): the error says to click 继续核验.
    if (job.state === 'failed' || job.state === 'interrupted') {
      button.dataset.batch = job.id;
      button.textContent = '继续核验';
      const [said, detail] = splitDetail(job.error);  // the English detail in a tooltip
      throw Object.assign(new Error(said), {left: true, detail});
    }
    showCase(id, '新材料已核验，结论见“文书核验”。');
  } catch (e) {
    if (!e.left) {  // refused or not answered: the next click checks afresh
      delete button.dataset.batch;
      button.textContent = '核验新材料';
    }
    button.disabled = false;
    status.className = 'error';
    status.textContent = e.message;
    status.title = e.detail || '';
  }
}

async function showCase(id, done) {
  let c;
  try {
    c = await api('GET', '/api/cases/' + encodeURIComponent(id));
  } catch (e) {
    // After an action the case may have left this account's sight (e.g. shipped by the vendor).
    const gone = done && e.status === 403;
    main.replaceChildren(
        ...(done ? [el('p', {id: 'act-status', class: 'ok'}, done)] : []),
        el('p', gone ? {role: 'status'} : {class: 'error', role: 'alert'}, gone ? '该案件已转出，不在您的待办中。' : e.message));
    return;
  }
  const sub = c.submission || {}, ent = sub.enterprise || {}, app = sub.applicant || {},
        user = app.authorized_user || {};
  const findings = c.check ?
      c.check.findings.map((f) => el('li', {class: 'finding ' + f.severity, title: f.code},
                                     `${SEVERITY[f.severity] || ''}${f.message}`)) :
      [];
  // Pre-filled from the current failing check when the case may be returned: the remark a return
  // sends. Left as it was, it is never sent with an action that does not return the case.
  const prefilled = c.check && c.check.remark && c.check.current && c.actions.some((a) => a.failing) ?
      c.check.remark : '';
  const remark = el('textarea', {name: 'remark', id: 'remark', maxlength: 2000}, prefilled);
  remark.dataset.prefilled = prefilled;
  const counter = el('small', {id: 'remark-count', 'aria-live': 'polite'});
  const count = () => { counter.textContent = `已输入 ${[...remark.value].length} / 2000 字`; };
  remark.addEventListener('input', count);
  count();
  const status = el('p', done ? {id: 'act-status', class: 'ok', role: 'status'} : {id: 'act-status', role: 'status'}, done || '');
  const checkButton = el('button', {type: 'button', id: 'check-now'}, '核验新材料');
  checkButton.addEventListener('click', () => checkNow(id, status, checkButton));
  // Every action is taken through a form on the page: its inputs with their Chinese labels,
  // choices as radio buttons, fields shown only when they apply, checks beside the field, and a
  // confirmation; never a browser pop-up.
  const form = el('div', {id: 'action-form'});
  const actions = c.actions.map(
      (a) => el('button', {
        type: 'button',
        'data-action': a.id,
        class: failing(a) ? 'act fail' : 'act',
        onclick: () => openActionForm(c, a, form, remark, status, id),
      },
                a.title));
  // After an action: the next case of the clerk's own work, one click away.
  if (done)
    api('GET', '/api/cases?tab=mine&per_page=2').then((q) => {
      const next = (q.cases || []).find((n) => n.id !== c.id);
      if (next)
        status.append(' ', navLink('/cases/' + encodeURIComponent(next.id), `下一件：${next.id}（${next.enterprise}）`, {id: 'next-case'}));
    }).catch(() => {});
  main.replaceChildren(
      el('h1', {}, `${c.id} ${c.procedure_title || c.procedure}`),
      el('p', {}, `企业：${ent.name || ''}（${ent.uscc || ''}）`),
      el('p', {},
         `授权用户：${user.name || ''} ${user.id_number || ''}；登录用户名 ${
             app.login_username || ''}`),
      el('p', {id: 'state'},
         `状态：${c.state_title || c.state}（版本 ${c.version}）；` +
             (c.due ? `办结期限 ${c.due}` : c.deadline_text || '办结期限 —') +
             (c.days_left === undefined ? '' :
              c.overdue ? `，已逾期 ${-c.days_left} 个工作日` :
              c.due_today ? '，今日到期' : `，剩余 ${c.days_left} 个工作日`)),
      el('fieldset', {}, el('legend', {}, '文书核验'),
         c.check ? el('div', {}, el('p', {}, `结论：${VERDICT[c.check.verdict] || c.check.verdict}（批次 ${
                                                 c.check.batch}，${localTime(c.check.at)}${
                                                 c.check.current ? '' : '；针对此前提交的材料，已不适用'}）`),
                      el('ul', {}, findings)) :
                   el('p', {}, '尚未核验'),
         c.unchecked_resubmission ?
             el('p', {class: 'error', id: 'unchecked'}, '企业已重新提交全部材料，新材料尚未核验：请先核验，再办理“通过”。 ',
                checkButton) :
             ''),
      ...(c.conditions && c.conditions.length ?
              [el('fieldset', {id: 'conditions'}, el('legend', {}, '受理条件（按今日的登记信息）'),
                  el('ul', {},
                     c.conditions.map(
                         (k) => el('li', {class: !k.applies ? 'na' : k.holds ? 'ok' : 'error'},
                                   (!k.applies ? '— ' : k.holds ? '✓ ' : '✗ ') + k.title +
                                       (!k.applies ? '（不适用）' : k.holds ? '' : '：' + k.remark)))))] :
              []),
      materialsView(c),
      ...(c.closed || !c.actions.length ?
              [el('p', {}, '当前无可办理的操作'), status] :
              [el('fieldset', {id: 'actions'}, el('legend', {}, '办理'),
                  el('label', {}, '备注', remark), counter, el('div', {class: 'buttons'}, actions), form,
                  status)]),
      el('fieldset', {id: 'documents'}, el('legend', {}, '打印'),
         (c.documents || []).map((d) => el('a', {href: d.url, target: '_blank', class: 'button', 'data-document': d.kind}, `打印${d.title}`))),
      noticesView(c, id),
      el('fieldset', {}, el('legend', {}, '办理记录'),
         el('table', {id: 'history'},
            el('thead', {}, el('tr', {}, ['时间', '办理人', '操作', '状态', '结论', '备注及记录'].map((t) => el('th', {}, t)))),
            el('tbody', {},
               c.history.map(
                   (h) => el('tr', {'data-action': h.action},
                             el('td', {class: 'when'}, localTime(h.at)),
                             el('td', {}, `${h.role_title || h.role} ${h.user}`),
                             el('td', {}, h.action_title || h.action),
                             el('td', {}, h.from && h.from !== h.to ? `${h.from_title} → ${h.to_title}` : h.to_title || h.to),
                             el('td', {}, h.outcome),
                             el('td', {},
                                h.remark ? el('div', {class: 'remark'}, h.remark) : '',
                                (h.details || []).length ?
                                    el('ul', {class: 'details'}, h.details.map((d) => el('li', {}, `${d.label}：${d.value}`))) :
                                    '')))))));
}

// The case's notices (activation, unlock e-mails) and how their delivery stands; a failed one can
// be sent again.
function noticesView(c, id) {
  const notices = c.notices || [];
  const status = el('p', {id: 'notice-status'});
  return el('fieldset', {id: 'notices'}, el('legend', {}, '通知'),
            notices.length ?
                el('table', {},
                   el('tbody', {},
                      notices.map(
                          (n) => el('tr', {'data-notice': n.id, 'data-status': n.status},
                                    el('td', {}, n.created_at.slice(0, 16)),
                                    el('td', {}, n.to || '（无收件地址）'),
                                    el('td', {}, n.subject),
                                    el('td', {class: 'notice-' + n.status}, n.status_text),
                                    el('td', {},
                                       n.can_resend ?
                                           el('button', {
                                             type: 'button',
                                             class: 'resend',
                                             onclick: async () => {
                                               try {
                                                 await api('POST', `/api/cases/${
                                                     encodeURIComponent(c.id)}/notices/${
                                                     n.id}/resend`);
                                                 showCase(id, '通知已重新加入发送队列，稍后自动发出');
                                               } catch (e) {
                                                 status.className = 'error';
                                                 status.textContent = e.message;
                                               }
                                             }
                                           },
                                              '重发') :
                                           ''))))) :
                el('p', {}, '暂无通知'),
            status);
}

// --- batch: take in a folder of submissions, check the pending cases, pass the clean ones ---

async function uploadFolder(files, log) {
  // The files of a chosen folder, grouped by the folder holding each submission.json.
  const folders = new Map();
  for (const f of files) {
    const path = f.webkitRelativePath || f.name;
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    if (!folders.has(dir)) folders.set(dir, []);
    folders.get(dir).push(f);
  }
  for (const [dir, list] of folders) {
    const json = list.find((f) => f.name === 'submission.json');
    if (!json) continue;
    const text = await json.text();
    // Only the files submission.json names (a folder may hold others: expected.json, Thumbs.db…).
    let named = null;
    try {
      named = new Set((JSON.parse(text).materials || []).map((m) => m && m.file));
    } catch (e) { /* the server says what is wrong with it */
    }
    const form = new FormData();
    form.append('submission', text);
    for (const f of list) if (f !== json && (!named || named.has(f.name))) form.append('file', f, f.name);
    const res = await fetch('/api/submissions', {method: 'POST', body: form, headers: {'X-CSRF-Token': me.csrf}, credentials: 'same-origin'});
    const data = await res.json().catch(() => ({}));
    log.append(el('li', {class: res.ok ? 'ok' : 'error'}, `${dir || json.name}：${res.ok ? '已受理 ' + data.id : data.error || res.statusText}`));
  }
}

async function showBatch() {
  const log = el('ul', {id: 'upload-log', 'aria-live': 'polite'});
  const picker = el('input', {type: 'file', id: 'folder', webkitdirectory: true, multiple: true});
  picker.addEventListener('change', async () => {
    log.replaceChildren();
    await uploadFolder(picker.files, log);
  });
  const progress = el('progress', {id: 'batch-progress', max: 1, value: 0});
  const status = el('p', {id: 'batch-status', role: 'status'});
  const results = el('div', {id: 'batch-results'});
  const start = el('button', {type: 'button', id: 'verify-pending'}, '核验全部待核验案件');
  // Follows job `job` to its end and shows its verdicts. The job is in the address
  // (/batch?job=ID), so Back and a reload return to the results, not to an empty page.
  const follow = async (job) => {
    status.className = '';
    for (;;) {
      progress.max = Math.max(job.total, 1);
      progress.value = job.done;
      status.textContent = `批次号 ${job.id} ` + (job.total ? `核验中：${job.cases} 件申请，扫描件 ${job.done}/${job.total} ${job.current || ''}` : `核验中：${job.cases} 件申请，正在读取…`);
      if (job.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
      job = await api('GET', '/api/batches/' + job.id);
    }
    // failed, or interrupted (the server running it stopped): the error says what to do, and
    // the batch goes on under its number (the scans checked before are not read again).
    if (job.state === 'failed' || job.state === 'interrupted') {
      status.className = 'error';
      const [said, detail] = splitDetail(job.error);  // the English detail in a tooltip
      status.textContent = `批次号 ${job.id}：${said}`;
      status.title = detail;
      const resume = el('button', {type: 'button', id: 'resume-batch'}, '继续核验');
      resume.addEventListener('click', async () => {
        resume.disabled = true;
        try {
          const again = await api('POST', `/api/batches/${encodeURIComponent(job.id)}/resume`, {});
          results.replaceChildren();
          follow(again).catch(fail);
        } catch (e) {
          resume.disabled = false;
          fail(e);
        }
      });
      results.replaceChildren(el('p', {}, resume));
      return;
    }
    status.textContent = `批次号 ${job.id} 已完成：${job.submissions.length} 件`;
    const clean = job.submissions.filter((s) => s.verdict === 'pass').map((s) => s.id);
    const pass = el('button', {type: 'button', id: 'pass-clean', disabled: clean.length === 0}, `一键通过 ${clean.length} 件合格案件`);
    const passed = el('ul', {id: 'pass-results', 'aria-live': 'polite'});
    pass.addEventListener('click', async () => {
      pass.disabled = true;
      try {
        const r = await api('POST', `/api/batches/${job.id}/pass`, {});
        passed.replaceChildren(...r.cases.map((c) => el('li', {class: c.error ? 'error' : 'ok'}, `${c.id}：${c.error || '已通过，现为：' + (c.state_title || c.state)}`)));
      } catch (e) {
        passed.replaceChildren(el('li', {class: 'error'}, e.message));
      }
    });
    const cover = el('a', {href: `/api/documents/coversheet.pdf?batch=${encodeURIComponent(job.batch)}&cases=${encodeURIComponent(clean.join(','))}`, target: '_blank'}, '打印今日传真封面');
    results.replaceChildren(
        el('table', {id: 'verdicts'}, el('tbody', {}, job.submissions.map((s) => el('tr', {'data-case': s.id, class: s.verdict},
            el('td', {}, navLink('/cases/' + encodeURIComponent(s.id), s.id)),
            el('td', {}, VERDICT[s.verdict] || s.verdict),
            el('td', {}, el('ul', {}, s.findings.map((f) => el('li', {class: 'finding ' + f.severity, title: f.code}, `${SEVERITY[f.severity] || ''}${f.message}`)))))))),
        el('p', {}, pass, ' ', clean.length ? cover : ''), passed);
  };
  const fail = (e) => {
    status.className = 'error';
    status.textContent = e.message;
  };
  start.addEventListener('click', async () => {
    results.replaceChildren();
    let job;
    try {
      job = await api('POST', '/api/batches', {pending: true});
    } catch (e) {
      fail(e);
      return;
    }
    history.replaceState(null, '', '/batch?job=' + encodeURIComponent(job.id));
    follow(job).catch(fail);
  });
  const shown = new URLSearchParams(location.search).get('job');
  if (shown)
    api('GET', '/api/batches/' + encodeURIComponent(shown)).then(follow).catch((e) => {
      fail(e);
      history.replaceState(null, '', '/batch');
    });
  main.replaceChildren(
      el('h1', {}, '批量核验'),
      el('fieldset', {}, el('legend', {}, '受理申请材料（选择文件夹：每个子文件夹含 submission.json 与扫描件）'), picker, log),
      el('fieldset', {}, el('legend', {}, '核验'), start, ' ', progress, status, results));
}

// The queue's ticked cases: a fax cover sheet or a courier manifest of them, through a form on the
// page (batch id, or manifest number and courier); ticked cases that are not on their way to the
// vendor (returned, waiting on the enterprise, closed) are named first, to untick or print anyway.
function printSelected(kind) {
  const area = document.getElementById('print-form');
  const rows = [...document.querySelectorAll('#queue tbody input[type=checkbox]:checked')].map((c) => c.closest('tr'));
  if (!rows.length) {
    area.replaceChildren(el('p', {class: 'error', role: 'alert'}, '请先勾选要打印的案件'));
    return;
  }
  const ids = rows.map((r) => r.dataset.case);
  // What the clerk sends goes to the vendor; the vendor's own shipments are checked by the server
  // (each needs its waybill).
  const astray = me.account.role !== 'authority_clerk' ? [] :
      rows.filter((r) => r.dataset.forVendor !== '1').map((r) => r.dataset.case);
  const today = new Date().toISOString().slice(0, 10);
  const fields = kind === 'coversheet' ?
      [['batch', '传真批次编号', 'F-' + today]] :
      [['number', '交接单编号', ''], ['courier', '快递公司', '顺丰速运']];
  const inputs = fields.map(([name, label, value]) => el('label', {class: 'field'}, label + ' ',
      el('input', {type: 'text', name, id: `print-${name}`, value, maxlength: 60, required: true})));
  const error = el('span', {class: 'error', role: 'alert'});
  const go = el('button', {type: 'submit', id: 'print-confirm'}, astray.length ? '仍然打印' : '打印');
  const form = el('form', {class: 'print-form'},
      el('strong', {}, `${kind === 'coversheet' ? '传真封面' : '快递交接单'}：已选 ${ids.length} 件 `),
      astray.length ?
          el('p', {class: 'error', id: 'print-warning'},
             `${astray.join('、')} 不在待送服务商的环节（尚未核验通过、已退回、等待企业或已办结），通常不应列入。请取消勾选后重新打印，或确认后仍然打印。`) : '',
      ...inputs, ' ', go, ' ',
      el('button', {type: 'button', onclick: () => area.replaceChildren()}, '取消'), error);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams({cases: ids.join(',')});
    for (const [name, label] of fields) {
      const v = form.querySelector(`[name=${name}]`).value.trim();
      if (!v) {
        error.textContent = `请填写“${label}”`;
        return;
      }
      p.set(name, v);
    }
    window.open(`/api/documents/${kind}.pdf?${p.toString()}`, '_blank');
    area.replaceChildren();
  });
  area.replaceChildren(form);
  form.querySelector('input').focus();
}

// --- rules (administrators): procedures with their diagrams, lint, edit and activate ---

async function showRules() {
  let data;
  try {
    data = await api('GET', '/api/rules');
  } catch (e) {
    main.replaceChildren(el('p', {class: 'error', role: 'alert'}, e.message));
    return;
  }
  const cal = data.calendar;
  // The editor: the file's lines numbered in a gutter that scrolls with it; an error's line is
  // a click away; edits not yet activated are never lost without a word.
  const editor = el('textarea', {id: 'rule-source', rows: 24, spellcheck: 'false', wrap: 'off',
                                 'aria-label': '规则文件内容'});
  const gutter = el('pre', {class: 'gutter', id: 'rule-gutter', 'aria-hidden': 'true'});
  const numberLines = () => {
    const n = editor.value.split('\n').length;
    gutter.textContent = Array.from({length: n}, (_, i) => i + 1).join('\n');
    gutter.scrollTop = editor.scrollTop;
  };
  editor.addEventListener('input', numberLines);
  editor.addEventListener('scroll', () => { gutter.scrollTop = editor.scrollTop; });
  const which = el('h2', {id: 'rule-title'});
  const result = el('div', {id: 'rule-result', role: 'status'});
  const unsaved = el('div', {id: 'unsaved', role: 'alert'});
  let editing = null;  // {kind: 'procedure' | 'calendar', id}
  let loaded = '';     // the text as opened or last activated
  const dirty = () => editing && editor.value !== loaded;
  window.onbeforeunload = (ev) => {
    if (!dirty() || location.pathname !== '/rules') return undefined;
    ev.preventDefault();
    return '';
  };
  // Runs `then` now, or once the administrator has chosen to drop the edits not activated.
  const leaveEditor = (then) => {
    if (!dirty()) return then();
    unsaved.replaceChildren(el('p', {class: 'warning'},
        `“${editing.id}”的修改尚未启用，离开将丢失这些修改。`, ' ',
        el('button', {type: 'button', id: 'discard-edits', onclick: () => {
          unsaved.replaceChildren();
          loaded = editor.value;
          then();
        }}, '放弃修改'), ' ',
        el('button', {type: 'button', id: 'keep-editing', onclick: () => {
          unsaved.replaceChildren();
          editor.focus();
        }}, '继续编辑')));
  };
  const open = (text) => {
    editor.value = loaded = text;
    editor.scrollTop = 0;
    numberLines();
  };
  // Selects line `line` of the editor and scrolls it into view.
  const jumpTo = (line, column) => {
    const lines = editor.value.split('\n');
    let at = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i++) at += lines[i].length + 1;
    const text = lines[Math.max(0, Math.min(line - 1, lines.length - 1))] || '';
    editor.focus();
    editor.setSelectionRange(at + Math.max(0, Math.min((column || 1) - 1, text.length)), at + text.length);
    const height = editor.scrollHeight / Math.max(lines.length, 1);
    editor.scrollTop = Math.max(0, (line - 4) * height);
    gutter.scrollTop = editor.scrollTop;
  };
  const diagnostic = (d) => {
    const [text, detail] = splitDetail(d.message);
    return el('li', {class: 'error', title: detail || null},
        el('button', {type: 'button', class: 'link', 'data-line': d.line, onclick: () => jumpTo(d.line, d.column)},
           `第 ${d.line} 行第 ${d.column} 列`), `：${text}`);
  };
  const save = el('button', {type: 'button', id: 'rule-activate', disabled: true}, '校验并启用为新版本');
  save.addEventListener('click', async () => {
    const path = editing.kind === 'calendar' ? '/api/rules/calendars/' + encodeURIComponent(editing.id) :
                                               '/api/rules/' + encodeURIComponent(editing.id);
    const res = await fetch(path, {method: 'POST', body: editor.value, headers: {'Content-Type': 'text/yaml', 'X-CSRF-Token': me.csrf}, credentials: 'same-origin'});
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      result.replaceChildren(el('p', {class: 'error'}, body.error || res.statusText),
          el('ul', {id: 'rule-diagnostics'}, (body.diagnostics || []).map(diagnostic)));
      return;
    }
    loaded = editor.value;
    unsaved.replaceChildren();
    if (editing.kind !== 'calendar') {
      result.replaceChildren(el('p', {class: 'ok'}, body.changed ? `已启用新版本 ${body.version.slice(0, 12)}（原版本 ${body.previous_version.slice(0, 12)}；在办案件仍按原版本办理）` : '内容未改变'));
      return;
    }
    const moved = body.reprojected || [];
    const waiting = Object.entries(body.pending_years || {});
    result.replaceChildren(
        el('p', {class: 'ok', id: 'calendar-activated'},
           (body.changed ? `日历已启用新版本 ${body.version.slice(0, 12)}。` : '日历内容未改变。') +
               `重新计算办结期限：${moved.length} 件有变化。`),
        ...(body.reprojection_error ? [el('p', {class: 'error'}, body.reprojection_error)] : []),
        el('ul', {id: 'reprojected'}, moved.map((m) => el('li', {}, m.text))),
        ...waiting.map(([y, n]) => el('p', {class: 'error'}, `仍有 ${n} 件案件的办结期限待定：${y}年节假日安排尚未录入`)));
  });
  const editCalendar = (id) => leaveEditor(async () => {
    const res = await fetch(`/api/rules/calendars/${encodeURIComponent(id)}/source`, {credentials: 'same-origin'});
    editing = {kind: 'calendar', id};
    which.textContent = `编辑日历 ${id}`;
    open(await res.text());
    save.disabled = false;
    result.replaceChildren(el('p', {}, '在 years 下按国务院办公厅通知增加或修改年度的放假（holidays）和调休上班（workdays）日期；启用后，在办案件的办结期限随即重新计算。'));
  });
  const rows = data.procedures.map((p) => el('tr', {'data-procedure': p.id},
      el('td', {}, p.id), el('td', {}, p.title), el('td', {}, p.version.slice(0, 12)),
      el('td', {}, el('a', {href: `/api/rules/${encodeURIComponent(p.id)}/diagram.svg`, target: '_blank'}, '流程图')),
      el('td', {}, el('button', {type: 'button', 'data-edit': p.id, onclick: () => leaveEditor(async () => {
        const res = await fetch(`/api/rules/${encodeURIComponent(p.id)}/source`, {credentials: 'same-origin'});
        editing = {kind: 'procedure', id: p.id};
        which.textContent = `编辑 ${p.id}（${p.title}）`;
        open(await res.text());
        save.disabled = false;
        result.replaceChildren(el('img', {src: `/api/rules/${encodeURIComponent(p.id)}/diagram.svg`, alt: p.title + ' 流程图', class: 'diagram'}));
      })}, '编辑'))));
  main.replaceChildren(
      el('h1', {}, '规则管理'),
      el('fieldset', {}, el('legend', {}, '节假日日历'),
         el('p', {}, `${cal.title || cal.id}：已有 ${cal.years.join('、')} 年数据`),
         ...cal.warnings.map((w) => el('p', {class: 'error', id: 'calendar-warning'}, w)),
         ...Object.entries(cal.pending_years || {})
             .filter(([y]) => !cal.warnings.some((w) => w.includes(`${y}年`)))
             .map(([y, n]) =>
             el('p', {class: 'error'}, `${n} 件在办案件的办结期限待定：${y}年节假日安排尚未录入`)),
         el('p', {}, ...(cal.layers || [cal.id]).map((id) =>
             el('button', {type: 'button', 'data-calendar': id, onclick: () => editCalendar(id)}, `编辑日历 ${id}`)))),
      el('fieldset', {}, el('legend', {}, '规则检查'),
         data.lint.length ? el('ul', {id: 'lint'}, data.lint.map((d) => el('li', {class: 'error', title: splitDetail(d.message)[1] || null}, `${d.file} 第 ${d.line} 行第 ${d.column} 列：${splitDetail(d.message)[0]}`))) : el('p', {class: 'ok', id: 'lint'}, '全部规则文件检查通过')),
      el('table', {id: 'procedures'}, el('thead', {}, el('tr', {}, ['编号', '办理事项', '版本', '', ''].map((h) => el('th', {}, h)))), el('tbody', {}, rows)),
      which, unsaved, el('div', {class: 'editor'}, gutter, editor), el('p', {}, save), result);
  numberLines();
}

async function route() {
  if (!me) {
    try {
      me = await api('GET', '/api/me');
    } catch (e) {
      me = null;
    }
  }
  if (!me) return showLogin();
  const nav = document.getElementById('nav');
  nav.hidden = false;
  document.getElementById('who').textContent = `${me.account.display_name || me.account.name}（${
      me.account.role_title}${me.account.authority ? '，' + me.account.authority : ''}）`;
  // Each role sees the pages it may use, and lands on its own: administrators on the rules.
  const role = me.account.role;
  for (const a of nav.querySelectorAll('a[data-roles]'))
    a.hidden = !a.dataset.roles.split(' ').includes(role);
  const path = location.pathname;
  const titled = (title, shown) => {
    document.title = `${title} - keydesk 电子钥匙受理`;
    return shown;
  };
  if (path.startsWith('/cases/'))
    return titled(decodeURIComponent(path.slice(7)), showCase(decodeURIComponent(path.slice(7))));
  if (path === '/batch' && role === 'authority_clerk') return titled('批量核验', showBatch());
  if (role === 'administrator') {
    if (path !== '/rules') history.replaceState(null, '', '/rules');
    return titled('规则管理', showRules());
  }
  // Vendor staff's re-review queue is their queue: the cases at the vendor now.
  if (path !== '/' && path !== '/vendor') history.replaceState(null, '', '/' + location.search);
  return titled('待办队列', showQueue());
}

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await api('POST', '/api/logout');
  } catch (e) { /* the session is gone either way */
  }
  me = null;
  go('/login');
});
window.addEventListener('popstate', route);
route();
