// The files `stash` takes, by the real Ant (Debian's ant.jar, on Groovy's classpath):
// the FileSet that core's `DirScanner.Glob.scan` builds (`Util.createFileSet`: includes
// split on commas and trimmed; then `setDefaultexcludes(true)`, stash's default), and
// its `getIncludedFiles()`. Arguments: the directory, then one includes string each;
// prints each includes string, a tab, and the files it takes, tab-separated.
import org.apache.tools.ant.Project
import org.apache.tools.ant.types.FileSet

def dir = new File(args[0])
args.drop(1).each { includes ->
    FileSet fs = new FileSet()
    fs.setDir(dir)
    fs.setProject(new Project())
    StringTokenizer tokens = new StringTokenizer(includes, ",")
    while (tokens.hasMoreTokens()) {
        fs.createInclude().setName(tokens.nextToken().trim())
    }
    fs.setDefaultexcludes(true)
    def scanner = fs.getDirectoryScanner(new Project())
    println(includes + "\t" + (scanner.getIncludedFiles() as List).sort().join("\t"))
}
