/**
 * The dashboard's only two static files: its stylesheet and a small script that adds, where it runs,
 * live updates, the price preview as you type, and copying the new key. Every page works without the
 * script. Served from this process, never from another host (the Content-Security-Policy says so too).
 */

export const CSS = `
:root{--bg:#f5f6f8;--card:#fff;--ink:#1c2330;--muted:#4f5b6d;--line:#d5dae1;--brand:#1554b3;--brand-ink:#fff;--ok:#146c2e;--warn:#8a4b00;--bad:#b42318;--focus:#ffbf47;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}body{margin:0}
a{color:var(--brand)}a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:9}
header{background:#0f2747;color:#fff}
.bar{max-width:72rem;margin:0 auto;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
.brand{font-weight:700;color:#fff;text-decoration:none;margin-right:auto}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .9rem}
nav a{color:#dfe8f7;text-decoration:none;padding:.25rem 0;display:inline-block}nav a[aria-current=page]{color:#fff;border-bottom:2px solid #fff}
header form{margin:0}header .who{color:#c9d6ea;font-size:.875rem}
.linkish{background:none;border:1px solid #8aa3c7;color:#fff;border-radius:.375rem;padding:.25rem .6rem;font:inherit;cursor:pointer}
main{max-width:72rem;margin:0 auto;padding:1.25rem 1rem 3rem}
h1{font-size:1.6rem;margin:.25rem 0 1rem}h2{font-size:1.2rem;margin:0 0 .75rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:1rem 1.1rem;margin:0 0 1rem}
.big{font-size:2rem;font-weight:700;margin:.1rem 0}.muted{color:var(--muted)}
.narrow{max-width:28rem;margin:2rem auto}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.hint{display:block;margin:0 0 .3rem;font-weight:400;color:var(--muted);font-size:.875rem}
input[type=text],input[type=email],input[type=password],input[type=number],input[type=url],select{width:100%;max-width:40rem;padding:.55rem .6rem;border:1px solid #8792a2;border-radius:.375rem;font:inherit;background:#fff;color:var(--ink)}
input[aria-invalid=true]{border-color:var(--bad)}
fieldset{border:1px solid var(--line);border-radius:.5rem;margin:1rem 0;padding:.5rem 1rem 1rem}legend{font-weight:700;padding:0 .3rem}
.fields{display:grid;gap:0 1rem;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr))}
.btn{display:inline-block;background:var(--brand);color:var(--brand-ink);border:0;border-radius:.375rem;padding:.6rem 1.1rem;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;margin:.75rem .5rem 0 0}
.btn.secondary{background:#fff;color:var(--brand);border:1px solid var(--brand)}.btn.danger{background:var(--bad)}
.actions{display:flex;flex-wrap:wrap;align-items:center}
.locs{display:grid;gap:.5rem;grid-template-columns:repeat(auto-fill,minmax(12.5rem,1fr));margin:.5rem 0}
.loc{display:flex;gap:.6rem;align-items:flex-start;border:1px solid var(--line);border-radius:.5rem;padding:.6rem .7rem;margin:0;font-weight:400;background:#fff;cursor:pointer}
.loc:has(input:checked){border-color:var(--brand);box-shadow:0 0 0 1px var(--brand)}.loc.full{background:#f0f1f3;color:var(--muted);cursor:not-allowed}
.loc input{margin-top:.3rem}.check{margin-top:.75rem}.loc b{display:block}
.msg{border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem;border:1px solid}
.msg.ok{background:#e8f5ec;border-color:#9fd3b0}.msg.bad{background:#fdecea;border-color:#f2b8b5}.msg.info{background:#eaf1fb;border-color:#b3cbed}
.err{color:var(--bad);font-weight:600;font-size:.9rem;display:block}
.table{overflow-x:auto;margin:0 0 .5rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.plus{color:var(--ok)}.minus{color:var(--ink)}
.pill{display:inline-block;border-radius:1rem;padding:.05rem .6rem;font-size:.85rem;font-weight:600;border:1px solid}
.s-idle,.s-ready,.s-complete{color:var(--ok);border-color:#7cc493;background:#eef8f1}.s-busy{color:#1554b3;border-color:#8fb1e3;background:#eef4fc}
.s-starting,.s-deploying,.s-draining,.s-expiring,.s-unknown,.s-incomplete{color:var(--warn);border-color:#e0b070;background:#fdf6ea}
.s-gone,.s-ended{color:var(--muted);border-color:#c5cbd3;background:#f3f4f6}.s-failed{color:var(--bad);border-color:#eba59f;background:#fdf0ef}
.s-delivered{color:var(--ok);border-color:#7cc493;background:#eef8f1}.s-recording{color:#1554b3;border-color:#8fb1e3;background:#eef4fc}.s-uploading{color:var(--warn);border-color:#e0b070;background:#fdf6ea}
.s-expired,.s-deleted{color:var(--muted);border-color:#c5cbd3;background:#f3f4f6}
.reason{display:block;font-size:.85rem;color:var(--muted);margin-top:.2rem}.btn.small{padding:.3rem .7rem;margin:.1rem .4rem .1rem 0;font-size:.9rem}
form.inline{display:inline;margin:0}td.acts,td.nowrap{white-space:nowrap}ul.steps{margin:.5rem 0 0;padding-left:1.1rem}ul.steps li{margin:.3rem 0}
code,.key{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.95em;word-break:break-all}
.key{display:block;background:#0f2747;color:#fff;padding:.75rem;border-radius:.4rem;margin:.5rem 0;font-size:1.05rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0 0 1.25rem}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
output{font-weight:700}
@media (max-width:40rem){.bar{padding:.6rem .75rem}main{padding:1rem .75rem 2rem}h1{font-size:1.35rem}.big{font-size:1.6rem}
 .table table,.table tbody,.table tr,.table td{display:block;width:100%}.table thead{position:absolute;left:-9999px}
 .table tr{border:1px solid var(--line);border-radius:.5rem;margin:0 0 .6rem;background:#fff;padding:.3rem .2rem}.table td{border:0;padding:.2rem .6rem}
 .table td[data-th]::before{content:attr(data-th) ": ";color:var(--muted);font-size:.85rem}td.num{text-align:left}}
`;

export const JS = `'use strict';
(function(){
  function money(n){return (Math.round(n*100)/100).toFixed(2);}
  // Live regions: the server renders the fragment again; it replaces the old one when it changed.
  document.querySelectorAll('[data-live]').forEach(function(el){
    var url=el.getAttribute('data-live'),busy=false;
    setInterval(function(){
      if(busy||document.hidden)return;busy=true;
      fetch(url,{credentials:'same-origin',headers:{accept:'text/html'}}).then(function(r){
        if(r.status===401){location.reload();return null;}return r.ok?r.text():null;
      }).then(function(t){if(t!==null&&t!==el.innerHTML)el.innerHTML=t;}).catch(function(){}).then(function(){busy=false;});
    },Number(el.getAttribute('data-every')||3000));
  });
  // Price preview as the form changes; the review step shows the same numbers from the server.
  var form=document.querySelector('form[data-price-preview]');
  if(form){
    var out=form.querySelector('output'),balance=Number(form.getAttribute('data-balance'));
    var update=function(){
      var r=Number(form.elements.recorders.value),h=Number(form.elements.duration.value);
      var loc=form.querySelector('input[name=location]:checked');
      if(!loc||!(r>=1)||!(h>=1)){out.textContent='Choose recorders, hours and a location to see the price.';return;}
      var cost=Math.round(r*h*Number(loc.getAttribute('data-price'))*100)/100;
      out.textContent=r+' recorder'+(r===1?'':'s')+' × '+h+' h × '+money(Number(loc.getAttribute('data-price')))+' = '+money(cost)+
        (cost>balance?' — more than your balance ('+money(balance)+')':'; balance after: '+money(balance-cost));
    };
    form.addEventListener('input',update);form.addEventListener('change',update);update();
  }
  document.querySelectorAll('button[data-copy]').forEach(function(b){
    b.hidden=false;
    b.addEventListener('click',function(){
      var t=document.getElementById(b.getAttribute('data-copy')).textContent;
      navigator.clipboard.writeText(t).then(function(){b.textContent='Copied';});
    });
  });
  document.querySelectorAll('form[data-confirm]').forEach(function(f){
    f.addEventListener('submit',function(e){if(!confirm(f.getAttribute('data-confirm')))e.preventDefault();});
  });
})();
`;
