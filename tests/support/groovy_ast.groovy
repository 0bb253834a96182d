// Parse many Groovy files in one JVM with Groovy 2.4's own parser and print, per file,
// one line: OK<TAB>path<TAB>JSON of its structure, or FAIL<TAB>path<TAB>message.
//
// The structure is what the pipeline's shape is made of: every method call with its
// arguments and the closures it takes (their statements nested inside it), `if`, `for`,
// `try` and declarations, and the script's own methods:
//   {"kind": "script", "body": [...], "methods": [{"kind": "method", "name", "params", "body"}]}
//   {"kind": "call", "name": "stage", "target": null, "args": [...], "named": {...},
//    "closures": [[...statements...]], "line": 12}
//   {"kind": "if", "cond": text, "then": [...], "else": [...]}   ("for", "try", "while" alike)
//   {"kind": "expr", "text": text, "calls": [...calls and closures inside it...]}
//   {"kind": "closure", "body": [...]}             (a closure that is not a call's argument)
// Argument values: constants as themselves, lists and maps as JSON, anything else as
// {"expr": its source text}.
import groovy.json.JsonOutput
import org.codehaus.groovy.ast.ASTNode
import org.codehaus.groovy.ast.ClassNode
import org.codehaus.groovy.ast.MethodNode
import org.codehaus.groovy.ast.expr.*
import org.codehaus.groovy.ast.stmt.*
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.Phases

def value(Expression e) {
    if (e instanceof ConstantExpression) { return e.value }
    if (e instanceof ListExpression) { return e.expressions.collect { value(it) } }
    if (e instanceof MapExpression) {
        def m = [:]
        e.mapEntryExpressions.each { m[String.valueOf(value(it.keyExpression))] = value(it.valueExpression) }
        return m
    }
    if (e instanceof ClosureExpression) { return [closure: statements(e.code)] }
    return [expr: e.text]
}

List calls(Expression e) {
    def found = []
    if (e == null) { return found }
    if (e instanceof MethodCallExpression || e instanceof StaticMethodCallExpression) {
        found << call(e)
        return found
    }
    if (e instanceof ClosureExpression) {
        found << [kind: 'closure', body: statements(e.code), line: e.lineNumber]
        return found
    }
    if (e instanceof BinaryExpression) {
        found.addAll(calls(e.leftExpression)); found.addAll(calls(e.rightExpression))
    } else if (e instanceof DeclarationExpression) {
        found.addAll(calls(e.rightExpression))
    } else if (e instanceof PropertyExpression) {
        found.addAll(calls(e.objectExpression))
    } else if (e instanceof NotExpression || e instanceof BooleanExpression) {
        found.addAll(calls(e.expression))
    } else if (e instanceof TernaryExpression) {
        found.addAll(calls(e.booleanExpression)); found.addAll(calls(e.trueExpression))
        found.addAll(calls(e.falseExpression))
    } else if (e instanceof ListExpression) {
        e.expressions.each { found.addAll(calls(it)) }
    } else if (e instanceof MapExpression) {
        e.mapEntryExpressions.each { found.addAll(calls(it.valueExpression)) }
    } else if (e instanceof GStringExpression) {
        e.values.each { found.addAll(calls(it)) }
    }
    return found
}

Map call(Expression e) {
    def name = e instanceof MethodCallExpression ? e.methodAsString : e.method
    def target = e instanceof MethodCallExpression && !e.implicitThis ? e.objectExpression.text : null
    def args = [], named = [:], closures = [], inner = []
    def list = e.arguments instanceof TupleExpression ? e.arguments.expressions : [e.arguments]
    list.each { a ->
        if (a instanceof MapExpression) {
            a.mapEntryExpressions.each {
                named[String.valueOf(value(it.keyExpression))] = value(it.valueExpression)
                inner.addAll(calls(it.valueExpression))
            }
        } else if (a instanceof ClosureExpression) {
            closures << statements(a.code)
        } else {
            args << value(a)
            inner.addAll(calls(a))
        }
    }
    if (target != null) { inner.addAll(calls(e.objectExpression)) }
    return [kind: 'call', name: name, target: target, args: args, named: named,
            closures: closures, inner: inner, line: e.lineNumber]
}

List statements(Statement s) {
    if (s == null) { return [] }
    if (s instanceof BlockStatement) { return s.statements.collectMany { statements(it) } }
    if (s instanceof ExpressionStatement) {
        def e = s.expression
        if (e instanceof MethodCallExpression || e instanceof StaticMethodCallExpression) { return [call(e)] }
        return [[kind: 'expr', text: e.text, calls: calls(e), line: e.lineNumber]]
    }
    if (s instanceof ReturnStatement) {
        return [[kind: 'return', text: s.expression.text, calls: calls(s.expression)]]
    }
    if (s instanceof IfStatement) {
        return [[kind: 'if', cond: s.booleanExpression.text, calls: calls(s.booleanExpression),
                 then: statements(s.ifBlock), else: statements(s.elseBlock)]]
    }
    if (s instanceof ForStatement) {
        return [[kind: 'for', text: s.collectionExpression.text, body: statements(s.loopBlock)]]
    }
    if (s instanceof WhileStatement) {
        return [[kind: 'while', cond: s.booleanExpression.text, body: statements(s.loopBlock)]]
    }
    if (s instanceof TryCatchStatement) {
        return [[kind: 'try', body: statements(s.tryStatement),
                 catches: s.catchStatements.collect { [param: it.variable.name, body: statements(it.code)] },
                 finally: statements(s.finallyStatement)]]
    }
    if (s instanceof ThrowStatement) { return [[kind: 'throw', text: s.expression.text]] }
    if (s instanceof EmptyStatement) { return [] }
    return [[kind: s.class.simpleName, text: s.text]]
}

def paths = args.length == 1 && args[0].startsWith('@') ? new File(args[0].substring(1)).readLines() : args.toList()
paths.each { path ->
    def config = new CompilerConfiguration()
    config.sourceEncoding = 'UTF-8'
    def unit = new CompilationUnit(config)
    unit.addSource(new File(path))
    try {
        unit.compile(Phases.CONVERSION)
        def module = unit.ast.modules[0]
        def script = module.classes.find { it.script }
        def methods = (script ? script.methods : []).findAll { !(it.name in ['main', 'run']) }.collect { MethodNode m ->
            [kind: 'method', name: m.name, params: m.parameters.collect { it.name }, body: statements(m.code)]
        }
        def tree = [kind: 'script', body: statements(module.statementBlock), methods: methods]
        println "OK\t${path}\t" + JsonOutput.toJson(tree)
    } catch (Throwable error) {
        println "FAIL\t${path}\t" + String.valueOf(error.message).replaceAll(/\s+/, ' ')
    }
}
