//! The pages, in Chinese, with their CSS and scripts inline: nothing is fetched from anywhere
//! but this service (the Content-Security-Policy in `server.rs` enforces it). Phone pages are
//! small and work on a narrow screen; the kiosk page is meant for a projector or a big screen.

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r##"
*{box-sizing:border-box}body{margin:0;font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif;background:#f4f6f9;color:#1f2329}
main{max-width:30rem;margin:0 auto;padding:1rem}h1{font-size:1.3rem;margin:.5rem 0 1rem}
.card{background:#fff;border-radius:.6rem;padding:1rem;box-shadow:0 1px 3px rgba(0,0,0,.08);margin-bottom:1rem}
label{display:block;margin:.6rem 0 .3rem;font-size:.95rem}input{width:100%;font-size:1.1rem;padding:.6rem;border:1px solid #c9cdd4;border-radius:.4rem}
button{width:100%;margin-top:1rem;font-size:1.15rem;padding:.7rem;border:0;border-radius:.4rem;background:#1677ff;color:#fff}
button:disabled{background:#8fb8f7}.muted{color:#646a73;font-size:.85rem;overflow-wrap:anywhere}
.result{margin-top:1rem;padding:.8rem;border-radius:.4rem;font-size:1.05rem}.ok{background:#e8f7ee;color:#14733a}.err{background:#fdecec;color:#b42318}
table{width:100%;border-collapse:collapse;font-size:.85rem}th,td{border-bottom:1px solid #eceef1;padding:.35rem .2rem;text-align:left;vertical-align:top}
a.button{display:block;text-align:center;margin-top:1rem;padding:.7rem;border-radius:.4rem;background:#14733a;color:#fff;text-decoration:none}
"##;

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head>\
<body><main>{body}</main></body></html>",
        esc(title)
    )
}

/// A refusal shown instead of a form (expired QR code, outside the window …).
pub fn message(title: &str, code: &str, text: &str) -> String {
    shell(
        title,
        &format!(
            "<h1>{}</h1><div class=\"card\"><div id=\"result\" class=\"result err\" data-code=\"{}\">{}</div></div>",
            esc(title),
            esc(code),
            esc(text)
        ),
    )
}

/// The phone's check-in form, holding its single-use ticket.
pub fn check_in(project: &str, window: &str, ticket: &str, fingerprint: &str) -> String {
    let body = format!(
        r##"<h1>扫码签到</h1>
<div class="card"><div><b id="project">{project}</b></div><div class="muted">考勤时间段：<span id="window">{window}</span></div></div>
<form id="f" class="card" autocomplete="off">
<input type="hidden" id="ticket" value="{ticket}">
<label for="id_number">身份证号</label><input id="id_number" name="id_number" inputmode="text" maxlength="18" required>
<label for="second_factor">手机号后四位 或 医通卡卡号</label><input id="second_factor" name="second_factor" inputmode="numeric" maxlength="20" required>
<button id="submit" type="submit">签到</button>
<div id="result" class="result" hidden></div>
</form>
<p class="muted">本页面由本院继教学分管理台在院内网络提供。证书指纹（SHA-256）：{fingerprint}</p>
<script>
const f=document.getElementById('f'),r=document.getElementById('result'),b=document.getElementById('submit');
f.addEventListener('submit',async e=>{{e.preventDefault();b.disabled=true;r.hidden=true;
 try{{const res=await fetch('/api/checkin',{{method:'POST',headers:{{'content-type':'application/json'}},body:JSON.stringify({{ticket:document.getElementById('ticket').value,id_number:document.getElementById('id_number').value,second_factor:document.getElementById('second_factor').value}})}});
  const j=await res.json();r.hidden=false;r.dataset.code=j.code;r.className='result '+(j.ok?'ok':'err');r.textContent=j.message;
  if(j.ok){{f.querySelectorAll('input').forEach(i=>i.disabled=true);}}else{{b.disabled=false;}}
 }}catch(err){{r.hidden=false;r.className='result err';r.dataset.code='NETWORK';r.textContent='网络错误，请重试';b.disabled=false;}}
}});
</script>"##,
        project = esc(project),
        window = esc(window),
        ticket = esc(ticket),
        fingerprint = esc(fingerprint),
    );
    shell("扫码签到", &body)
}

/// "My credits": a form, then the year's credits drawn from the JSON answer.
pub fn my_credits(fingerprint: &str) -> String {
    let body = format!(
        r##"<h1>我的学分</h1>
<form id="f" class="card" autocomplete="off">
<label for="id_number">身份证号</label><input id="id_number" maxlength="18" required>
<label for="second_factor">手机号后四位 或 医通卡卡号</label><input id="second_factor" inputmode="numeric" maxlength="20" required>
<button id="submit" type="submit">查询</button>
<div id="result" class="result" hidden></div>
</form>
<div id="out" class="card" hidden>
<div><b id="name"></b> <span id="department" class="muted"></span></div>
<div class="muted">身份证号 <span id="id_shown"></span></div>
<div><span id="year"></span> 学分年度：<b id="status"></b></div>
<div>已计入 <b id="credits"></b> 学分，<b id="hours"></b> 学时</div>
<ul id="gaps"></ul>
<table><thead><tr><th>日期</th><th>活动</th><th>类别</th><th>学分</th><th>学时</th><th>计入达标</th></tr></thead><tbody id="rows"></tbody></table>
<a id="download" class="button" href="#">下载学分记录明细表（PDF）</a>
</div>
<p class="muted">证书指纹（SHA-256）：{fingerprint}</p>
<script>
const f=document.getElementById('f'),r=document.getElementById('result'),b=document.getElementById('submit'),o=document.getElementById('out');
const t=(id,v)=>{{document.getElementById(id).textContent=v;}};
const n=x=>Number(x).toFixed(2);
f.addEventListener('submit',async e=>{{e.preventDefault();b.disabled=true;r.hidden=true;o.hidden=true;
 try{{const res=await fetch('/api/me',{{method:'POST',headers:{{'content-type':'application/json'}},body:JSON.stringify({{id_number:document.getElementById('id_number').value,second_factor:document.getElementById('second_factor').value}})}});
  const j=await res.json();b.disabled=false;
  if(!j.ok){{r.hidden=false;r.className='result err';r.dataset.code=j.code;r.textContent=j.message;return;}}
  const m=j.mine;t('name',m.name);t('department',m.department);t('id_shown',m.id_number_shown);t('year',m.year.year);t('status',m.status_zh);
  t('credits',n(m.totals.credits));t('hours',n(m.totals.hours));
  const g=document.getElementById('gaps');g.replaceChildren();
  for(const x of m.gaps){{const li=document.createElement('li');li.className='gap';li.textContent=x.requirement_zh+'：要求 '+n(x.required)+'，已有 '+n(x.have)+'，还差 '+n(x.missing);g.append(li);}}
  if(m.note){{const li=document.createElement('li');li.textContent=m.note;g.append(li);}}
  const tb=document.getElementById('rows');tb.replaceChildren();
  for(const row of m.rows){{const c=row.credit;const tr=document.createElement('tr');tr.className='credit';tr.dataset.id=c.id;tr.dataset.credits=n(c.credits);tr.dataset.revoked=c.revoked_at?'1':'0';
   for(const v of [c.activity_date,c.activity_name,row.category_zh,n(c.credits),n(c.hours),row.not_counted_reason?('不计入：'+row.not_counted_reason):'计入']){{const td=document.createElement('td');td.textContent=v;tr.append(td);}}
   tb.append(tr);}}
  document.getElementById('download').href=j.download;o.hidden=false;
 }}catch(err){{b.disabled=false;r.hidden=false;r.className='result err';r.dataset.code='NETWORK';r.textContent='网络错误，请重试';}}
}});
</script>"##,
        fingerprint = esc(fingerprint)
    );
    shell("我的学分", &body)
}

/// The kiosk: the rotating code, the live count, the window and the certificate fingerprint.
pub fn kiosk(project: &str, state_url: &str, fingerprint: &str) -> String {
    let body = format!(
        r##"<style>main{{max-width:none;text-align:center}}#qr svg{{width:min(60vh,90vw);height:auto;background:#fff;padding:1rem}}#count{{font-size:5rem;font-weight:bold;color:#1677ff}}</style>
<h1 id="project">{project}</h1>
<div id="window" class="muted"></div>
<div id="qr"></div>
<div>已签到 <span id="count">0</span> 人<span id="cap"></span></div>
<div id="note" class="muted"></div>
<p class="muted">请用手机扫描二维码签到。二维码每隔几秒自动更换。<br>本服务证书指纹（SHA-256）：<span id="fingerprint">{fingerprint}</span></p>
<script>
async function tick(){{try{{const j=await (await fetch('{state_url}',{{cache:'no-store'}})).json();
 document.getElementById('count').textContent=j.count;document.getElementById('window').textContent=j.window||'';
 document.getElementById('cap').textContent=j.cap?('（上限 '+j.cap+' 人）'):'';document.getElementById('note').textContent=j.message||'';
 const q=document.getElementById('qr');q.innerHTML=j.svg||'';q.dataset.url=j.url||'';q.dataset.step=j.step||'';
}}catch(e){{document.getElementById('note').textContent='与签到服务的连接中断，正在重试…';}}}}
tick();setInterval(tick,1000);
</script>"##,
        project = esc(project),
        state_url = esc(state_url),
        fingerprint = esc(fingerprint)
    );
    shell("签到大屏", &body)
}
