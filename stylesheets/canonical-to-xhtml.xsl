<?xml version="1.0" encoding="UTF-8"?>
<!--
  Canonical XML (urn:govdoc:canonical:1) -> XHTML for the PDF edition.

  Structure only: every size, font and margin comes from gbt9704.css (filled from
  layout.toml).  Decisions that need the page's folder or measurement (images,
  title line breaks, signature placement) are left as marked elements for
  pipeline/render/xhtml.py to finish.

  Headings: the document title is h1 and section levels 1-4 are h2-h5, so the
  PDF outline nests under the title and the tags read H1..H5.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:c="urn:govdoc:canonical:1"
    xmlns="http://www.w3.org/1999/xhtml"
    exclude-result-prefixes="c">

  <xsl:output method="xml" encoding="UTF-8" indent="no"/>

  <xsl:variable name="meta" select="/c:document/c:meta"/>

  <xsl:template match="/c:document">
    <html lang="zh-CN" xml:lang="zh-CN">
      <head>
        <meta charset="utf-8"/>
        <title><xsl:value-of select="normalize-space($meta/c:title)"/></title>
        <xsl:if test="$meta/c:issuer | $meta/c:publisher">
          <meta name="author" content="{normalize-space(($meta/c:issuer | $meta/c:publisher)[1])}"/>
        </xsl:if>
        <xsl:if test="$meta/c:summary">
          <meta name="description" content="{normalize-space($meta/c:summary)}"/>
        </xsl:if>
        <xsl:if test="$meta/c:keywords">
          <meta name="keywords" content="{normalize-space($meta/c:keywords)}"/>
        </xsl:if>
        <xsl:if test="$meta/c:written-date | $meta/c:published-date">
          <meta name="dcterms.created" content="{($meta/c:written-date | $meta/c:published-date)[1]}"/>
        </xsl:if>
        <xsl:if test="$meta/c:published-date">
          <meta name="dcterms.modified" content="{$meta/c:published-date}"/>
        </xsl:if>
        <meta name="generator" content="govdoc"/>
      </head>
      <body>
        <h1 class="title"><span class="t"><xsl:value-of select="normalize-space($meta/c:title)"/></span></h1>
        <!-- 发文字号 under the title, unless the body carries its own line -->
        <xsl:if test="$meta/c:doc-number and not(c:body//c:p[@role = 'doc-number'])">
          <p class="doc-number"><span class="t"><xsl:value-of select="normalize-space($meta/c:doc-number)"/></span></p>
        </xsl:if>
        <div class="body">
          <xsl:apply-templates select="c:body/*"/>
        </div>
      </body>
    </html>
  </xsl:template>

  <!-- ============================================================ blocks -->

  <xsl:template match="c:section">
    <xsl:apply-templates select="*"/>
  </xsl:template>

  <xsl:template match="c:section/c:heading">
    <xsl:variable name="level" select="../@level"/>
    <xsl:element name="h{$level + 1}">
      <xsl:attribute name="class">h h<xsl:value-of select="$level"/></xsl:attribute>
      <span class="t"><xsl:apply-templates/></span>
    </xsl:element>
  </xsl:template>

  <xsl:template match="c:p">
    <p>
      <xsl:attribute name="class">
        <xsl:choose>
          <xsl:when test="@role = 'attachment-note' and starts-with(normalize-space(.), '附件')">attachment-note first</xsl:when>
          <xsl:when test="@role"><xsl:value-of select="@role"/></xsl:when>
          <xsl:otherwise>body</xsl:otherwise>
        </xsl:choose>
        <xsl:if test="@align"> align-<xsl:value-of select="@align"/></xsl:if>
      </xsl:attribute>
      <xsl:if test="@indent">
        <xsl:attribute name="data-indent"><xsl:value-of select="@indent"/></xsl:attribute>
      </xsl:if>
      <span class="t"><xsl:apply-templates/></span>
    </p>
  </xsl:template>

  <!-- ============================================================ tables
       Structure only, rows in document order.  Column widths, the type size, line
       breaks inside cells, row heights and which leading rows are the header (moved
       into thead and repeated on every page) are decided by pipeline/render/tablegrid.py
       and written onto this markup by xhtml_table.py, the same decisions the Word
       edition takes. -->
  <xsl:template match="c:table">
    <div class="table">
      <table>
        <xsl:if test="c:caption">
          <caption><xsl:apply-templates select="c:caption/node()"/></caption>
        </xsl:if>
        <tbody>
          <xsl:apply-templates select="c:row"/>
        </tbody>
      </table>
    </div>
  </xsl:template>

  <xsl:template match="c:row">
    <tr><xsl:apply-templates select="c:cell"/></tr>
  </xsl:template>

  <xsl:template match="c:cell">
    <xsl:variable name="tag">
      <xsl:choose>
        <xsl:when test="../@header = 'true' or ../@header = '1'">th</xsl:when>
        <xsl:otherwise>td</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:element name="{$tag}">
      <xsl:copy-of select="@rowspan | @colspan"/>
      <xsl:if test="@align"><xsl:attribute name="class">align-<xsl:value-of select="@align"/></xsl:attribute></xsl:if>
      <div class="cell">
        <xsl:choose>
          <xsl:when test="c:p"><xsl:apply-templates/></xsl:when>
          <xsl:otherwise><span class="t"><xsl:apply-templates/></span></xsl:otherwise>
        </xsl:choose>
      </div>
    </xsl:element>
  </xsl:template>

  <!-- a table cell holding paragraphs: each its own line, no body indent -->
  <xsl:template match="c:cell/c:p">
    <p class="cell-p"><span class="t"><xsl:apply-templates/></span></p>
  </xsl:template>

  <xsl:template match="c:figure">
    <div class="figure">
      <img class="pending" src="" alt="{c:image/@alt}" data-src="{c:image/@src}">
        <xsl:if test="c:image/@local">
          <xsl:attribute name="data-local"><xsl:value-of select="c:image/@local"/></xsl:attribute>
        </xsl:if>
      </img>
      <xsl:if test="c:caption">
        <p class="caption"><span class="t"><xsl:apply-templates select="c:caption/node()"/></span></p>
      </xsl:if>
    </div>
  </xsl:template>

  <!-- a file linked from the page: its name, as the page lists it -->
  <xsl:template match="c:attachment">
    <p class="attachment-file"><span class="t"><xsl:value-of select="."/></span></p>
  </xsl:template>

  <xsl:template match="c:signature">
    <div class="signature">
      <xsl:for-each select="c:org">
        <p class="sig-org"><span class="t"><xsl:value-of select="normalize-space(.)"/></span></p>
      </xsl:for-each>
      <xsl:if test="c:date">
        <p class="sig-date" data-when="{c:date/@when}"><span class="t"><xsl:value-of select="normalize-space(c:date)"/></span></p>
      </xsl:if>
    </div>
  </xsl:template>

  <!-- ============================================================ structures
       Regulations, their promulgation and annexes (docs/canonical-xml.md); sizes and
       faces in structures.css, title breaks and the signer's indent set by
       pipeline/render/xhtml_structures.py. -->

  <!-- a regulation's 第X编 / 第X章 / 第X节: centred, 黑体, a blank line around -->
  <xsl:template match="c:section[@kind]/c:heading">
    <xsl:variable name="level" select="../@level"/>
    <xsl:element name="h{$level + 1}">
      <xsl:attribute name="class">h h<xsl:value-of select="$level"/> kind kind-<xsl:value-of select="../@kind"/></xsl:attribute>
      <span class="t"><xsl:apply-templates/></span>
    </xsl:element>
  </xsl:template>

  <!-- 第X条: the number in its face, a full-width space, then the text -->
  <xsl:template match="c:p/c:num">
    <span class="num"><xsl:value-of select="normalize-space(.)"/></span>
    <xsl:text>&#x3000;</xsl:text>
  </xsl:template>
  <xsl:template match="c:p/text()[preceding-sibling::node()[1][self::c:num]]">
    <xsl:call-template name="ltrim"><xsl:with-param name="s" select="."/></xsl:call-template>
  </xsl:template>
  <xsl:template name="ltrim">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="string-length($s) and contains(' &#x3000;&#x9;&#xA;&#xD;&#xA0;', substring($s, 1, 1))">
        <xsl:call-template name="ltrim"><xsl:with-param name="s" select="substring($s, 2)"/></xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- the regulation's own title, right under its promulgation: set as a title -->
  <xsl:template match="c:p[@role = 'subtitle'][preceding-sibling::*[1][self::c:masthead]]">
    <h1 class="reg-title"><span class="t"><xsl:apply-templates/></span></h1>
  </xsl:template>

  <!-- the promulgation (国务院令): organ, number, text, signer, date; above the text -->
  <xsl:template match="c:masthead">
    <div class="masthead">
      <p class="mh-org"><span class="t"><xsl:value-of select="normalize-space(c:org)"/></span></p>
      <xsl:if test="c:number">
        <p class="mh-number"><span class="t"><xsl:value-of select="normalize-space(c:number)"/></span></p>
      </xsl:if>
      <xsl:apply-templates select="c:p"/>
      <xsl:for-each select="c:signer">
        <p class="mh-signer"><span class="t">
          <xsl:if test="normalize-space(@office)"><xsl:value-of select="normalize-space(@office)"/><xsl:text>&#x3000;</xsl:text></xsl:if>
          <xsl:value-of select="normalize-space(.)"/>
        </span></p>
      </xsl:for-each>
      <xsl:if test="c:date">
        <p class="mh-date"><span class="t"><xsl:value-of select="normalize-space(c:date)"/></span></p>
      </xsl:if>
    </div>
  </xsl:template>

  <!-- an annex (附件), GB/T 9704 7.3.7: a new page, "附件N" flush left, the title centred -->
  <xsl:template match="c:annex">
    <div class="annex">
      <p class="annex-label"><span class="t"><xsl:value-of select="normalize-space(c:label)"/></span></p>
      <xsl:if test="c:title">
        <h2 class="annex-title"><span class="t"><xsl:apply-templates select="c:title/node()"/></span></h2>
      </xsl:if>
      <xsl:apply-templates select="*[not(self::c:label or self::c:title)]"/>
    </div>
  </xsl:template>

  <!-- ============================================================ inline -->

  <xsl:template match="c:strong"><strong><xsl:apply-templates/></strong></xsl:template>
  <xsl:template match="c:em"><em><xsl:apply-templates/></em></xsl:template>
  <xsl:template match="c:sup"><sup><xsl:apply-templates/></sup></xsl:template>
  <xsl:template match="c:sub"><sub><xsl:apply-templates/></sub></xsl:template>
  <xsl:template match="c:br"><br/></xsl:template>
  <!-- links are kept as text: an archival copy points nowhere, and PDF/A-3b stays simple -->
  <xsl:template match="c:a"><span class="link"><xsl:apply-templates/></span></xsl:template>

</xsl:stylesheet>
