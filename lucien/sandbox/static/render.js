// Telegram's message rendering: plain text plus entities (UTF-16 offsets, as JS strings
// are) into HTML, the way Telegram's own clients show them. Text is always escaped; only
// the entities make markup, so a name like <b>& cannot inject anything.
"use strict";

const LucienRender = (() => {
  const escapeHtml = (s) =>
    s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

  // Telegram links bare URLs in text even without an entity.
  const URL_RE = /(https?:\/\/[^\s<>"]+|t\.me\/[^\s<>"]+)/g;
  const plain = (s, linkify) =>
    !linkify ? escapeHtml(s) : escapeHtml(s).replace(URL_RE, (url) => {
      const href = url.startsWith("http") ? url : "https://" + url;
      return `<a href="${href}" data-url="${href}">${url}</a>`;
    });

  function wrap(entity, inner, text) {
    const slice = text.slice(entity.offset, entity.offset + entity.length);
    switch (entity.type) {
      case "bold": return `<b>${inner}</b>`;
      case "italic": return `<i>${inner}</i>`;
      case "underline": return `<u>${inner}</u>`;
      case "strikethrough": return `<s>${inner}</s>`;
      case "spoiler": return `<span class="spoiler" title="Spoiler: clic para mostrar">${inner}</span>`;
      case "code": return `<code>${inner}</code>`;
      case "pre": {
        const lang = entity.language ? ` data-lang="${escapeHtml(entity.language)}"` : "";
        return `<pre${lang}><code>${inner}</code></pre>`;
      }
      case "text_link": {
        const href = escapeHtml(entity.url || "");
        return `<a href="${href}" data-url="${href}">${inner}</a>`;
      }
      case "url": {
        const href = escapeHtml(slice.startsWith("http") ? slice : "https://" + slice);
        return `<a href="${href}" data-url="${href}">${inner}</a>`;
      }
      case "email": return `<a href="mailto:${escapeHtml(slice)}">${inner}</a>`;
      case "mention": return `<a class="mention">${inner}</a>`;
      case "text_mention": return `<a class="mention">${inner}</a>`;
      case "bot_command": return `<span class="command">${inner}</span>`;
      case "hashtag": case "cashtag": return `<span class="tag">${inner}</span>`;
      case "blockquote": return `<blockquote>${inner}</blockquote>`;
      case "expandable_blockquote":
        return `<blockquote class="expandable" title="Clic para desplegar">${inner}</blockquote>`;
      default: return inner;
    }
  }

  // Entities nest properly (Telegram guarantees it for HTML-parsed text); a longer entity
  // at the same offset encloses a shorter one.
  function renderRange(text, entities, start, end, linkify) {
    let out = "";
    let pos = start;
    for (let i = 0; i < entities.length; i++) {
      const e = entities[i];
      if (e.offset < pos) continue; // overlapping (not nested): Telegram never sends it
      const eEnd = e.offset + e.length;
      out += plain(text.slice(pos, e.offset), linkify);
      const inner = [];
      let j = i + 1;
      for (; j < entities.length && entities[j].offset < eEnd; j++) {
        if (entities[j].offset + entities[j].length <= eEnd) inner.push(entities[j]);
      }
      const isLink = ["url", "text_link", "email", "mention", "text_mention"].includes(e.type);
      out += wrap(e, renderRange(text, inner, e.offset, eEnd, linkify && !isLink), text);
      pos = eEnd;
      i = j - 1;
    }
    return out + plain(text.slice(pos, end), linkify);
  }

  function render(text, entities) {
    const sorted = [...(entities || [])].sort(
      (a, b) => a.offset - b.offset || b.length - a.length
    );
    return renderRange(text || "", sorted, 0, (text || "").length, true);
  }

  return { render, escapeHtml };
})();
