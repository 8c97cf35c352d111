/**
 * Edge-coverage instrumentation for the fuzzer (docs/testing.md#fuzzing): a TypeScript
 * transformer that puts a counter bump `__fz[N]++` on every function entry and every branch
 * (both arms of `if` and `?:`, the right side of `&&`, `||` and `??`, loop bodies, each
 * `case`, each `catch`), with N unique across the process. `__fz` is the Uint8Array the fuzzing
 * engine reads after every input (globalThis.__p2poolFuzzCounters; one per process).
 *
 * Plain JavaScript (not TypeScript) because the module loader (loader.mjs) runs it before any
 * TypeScript can be loaded.
 */
import ts from 'typescript';

/** Counters in the shared array; ids past it wrap (a collision only blurs coverage a little). */
export const COUNTERS = 1 << 16;

let nextId = 0;
/** Edges instrumented so far in this process (the loader's thread). */
export const edgeCount = () => nextId;

/**
 * @param {(start: number, end: number) => void} [onDone] told the id range the file got
 * @returns {ts.TransformerFactory<ts.SourceFile>}
 */
export function coverageTransformer(onDone) {
  return (ctx) => {
    const f = ctx.factory;
    const id = () => f.createNumericLiteral(nextId++ % COUNTERS);
    const bump = () => f.createPostfixIncrement(f.createElementAccessExpression(f.createIdentifier('__fz'), id()));
    const bumpStmt = () => f.createExpressionStatement(bump());
    const bumpExpr = (e) => f.createParenthesizedExpression(f.createCommaListExpression([bump(), e]));
    const prepend = (stmt) =>
      stmt && ts.isBlock(stmt) ? f.updateBlock(stmt, [bumpStmt(), ...stmt.statements]) : f.createBlock([bumpStmt(), ...(stmt ? [stmt] : [])], true);

    const visit = (node) => {
      // Types, declarations without bodies and the like carry no code.
      if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return node;
      node = ts.visitEachChild(node, visit, ctx);
      if (ts.isIfStatement(node)) {
        return f.updateIfStatement(node, node.expression, prepend(node.thenStatement), node.elseStatement ? prepend(node.elseStatement) : f.createBlock([bumpStmt()]));
      }
      if (ts.isConditionalExpression(node)) {
        return f.updateConditionalExpression(node, node.condition, node.questionToken, bumpExpr(node.whenTrue), node.colonToken, bumpExpr(node.whenFalse));
      }
      if (ts.isBinaryExpression(node)) {
        const k = node.operatorToken.kind;
        if (k === ts.SyntaxKind.AmpersandAmpersandToken || k === ts.SyntaxKind.BarBarToken || k === ts.SyntaxKind.QuestionQuestionToken) {
          return f.updateBinaryExpression(node, node.left, node.operatorToken, bumpExpr(node.right));
        }
        return node;
      }
      if (ts.isForStatement(node)) return f.updateForStatement(node, node.initializer, node.condition, node.incrementor, prepend(node.statement));
      if (ts.isForOfStatement(node)) return f.updateForOfStatement(node, node.awaitModifier, node.initializer, node.expression, prepend(node.statement));
      if (ts.isForInStatement(node)) return f.updateForInStatement(node, node.initializer, node.expression, prepend(node.statement));
      if (ts.isWhileStatement(node)) return f.updateWhileStatement(node, node.expression, prepend(node.statement));
      if (ts.isDoStatement(node)) return f.updateDoStatement(node, prepend(node.statement), node.expression);
      if (ts.isCaseClause(node)) return f.updateCaseClause(node, node.expression, [bumpStmt(), ...node.statements]);
      if (ts.isDefaultClause(node)) return f.updateDefaultClause(node, [bumpStmt(), ...node.statements]);
      if (ts.isCatchClause(node)) return f.updateCatchClause(node, node.variableDeclaration, prepend(node.block));
      if (ts.isFunctionDeclaration(node) && node.body) {
        return f.updateFunctionDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, node.parameters, node.type, prepend(node.body));
      }
      if (ts.isFunctionExpression(node)) {
        return f.updateFunctionExpression(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, node.parameters, node.type, prepend(node.body));
      }
      if (ts.isArrowFunction(node)) {
        const body = ts.isBlock(node.body) ? prepend(node.body) : bumpExpr(node.body);
        return f.updateArrowFunction(node, node.modifiers, node.typeParameters, node.parameters, node.type, node.equalsGreaterThanToken, body);
      }
      if (ts.isMethodDeclaration(node) && node.body) {
        return f.updateMethodDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.questionToken, node.typeParameters, node.parameters, node.type, prepend(node.body));
      }
      if (ts.isGetAccessorDeclaration(node) && node.body) {
        return f.updateGetAccessorDeclaration(node, node.modifiers, node.name, node.parameters, node.type, prepend(node.body));
      }
      if (ts.isSetAccessorDeclaration(node) && node.body) {
        return f.updateSetAccessorDeclaration(node, node.modifiers, node.name, node.parameters, prepend(node.body));
      }
      // Constructors are left alone (a statement before super() is refused); their branches count.
      return node;
    };

    return (sf) => {
      const first = nextId;
      const body = ts.visitEachChild(sf, visit, ctx);
      onDone?.(first, nextId);
      // const __fz = globalThis.__p2poolFuzzCounters ?? new Uint8Array(COUNTERS);
      const decl = f.createVariableStatement(undefined, f.createVariableDeclarationList([
        f.createVariableDeclaration('__fz', undefined, undefined, f.createBinaryExpression(
          f.createPropertyAccessExpression(f.createIdentifier('globalThis'), '__p2poolFuzzCounters'),
          ts.SyntaxKind.QuestionQuestionToken,
          f.createNewExpression(f.createIdentifier('Uint8Array'), undefined, [f.createNumericLiteral(COUNTERS)]),
        )),
      ], ts.NodeFlags.Const));
      // After the imports (hoisted anyway), before any code.
      const stmts = [...body.statements];
      let at = 0;
      while (at < stmts.length && ts.isImportDeclaration(stmts[at])) at++;
      stmts.splice(at, 0, decl);
      return f.updateSourceFile(body, stmts);
    };
  };
}
